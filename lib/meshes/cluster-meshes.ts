import type { MeshName } from '../model/index.ts';
import { pinnedValues } from '../versions.ts';
import type { ClusterMesh } from './cluster-mesh.ts';
import { istioClusterMesh } from './istio/istio-cluster-mesh.ts';
import { linkerdClusterMesh } from './linkerd/linkerd-cluster-mesh.ts';

/**
 * The cluster meshes, at their pinned (or overridden) versions. Every value from the environment
 * is validated here, so that the CLI's preflight refuses a bad one before anything starts.
 */
export function clusterMeshFor(mesh: Exclude<MeshName, 'reference'>): ClusterMesh {
  const pinned = pinnedValues();
  return mesh === 'istio' ? istioClusterMesh(pinned.istio) : linkerdClusterMesh(pinned.linkerd);
}

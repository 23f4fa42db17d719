import type { MeshName, Routing } from '../model/index.ts';
import { pinnedValues } from '../versions.ts';
import type { ClusterMesh } from './cluster-mesh.ts';
import { istioAmbientClusterMesh, istioClusterMesh } from './istio/istio-cluster-mesh.ts';
import { linkerdClusterMesh } from './linkerd/linkerd-cluster-mesh.ts';

/**
 * The cluster meshes, at their pinned (or overridden) versions. Every value from the environment
 * is validated here, so that the CLI's preflight refuses a bad one before anything starts.
 */
export function clusterMeshFor(
  mesh: Exclude<MeshName, 'reference'>,
  routing: Routing = 'virtual-service',
): ClusterMesh {
  const pinned = pinnedValues();
  if (mesh === 'istio') return istioClusterMesh(pinned.istio, routing);
  if (mesh === 'istio-ambient') return istioAmbientClusterMesh(pinned.istio);
  return linkerdClusterMesh(pinned.linkerd);
}

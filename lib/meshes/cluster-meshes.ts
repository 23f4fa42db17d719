import type { MeshName } from '../model/index.ts';
import { versionOf } from '../versions.ts';
import type { ClusterMesh } from './cluster-mesh.ts';
import { istioClusterMesh } from './istio/istio-cluster-mesh.ts';
import { linkerdClusterMesh } from './linkerd/linkerd-cluster-mesh.ts';

/** The cluster meshes, at their pinned (or overridden) versions. */
export function clusterMeshFor(mesh: Exclude<MeshName, 'reference'>): ClusterMesh {
  return mesh === 'istio' ? istioClusterMesh(versionOf('istio')) : linkerdClusterMesh(versionOf('linkerd'));
}

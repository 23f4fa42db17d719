import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { ClusterMesh } from '../../meshes/cluster-mesh.ts';
import type { CliStep } from './cli-steps.ts';

/**
 * Runs a mesh's pre-flight checks, then its install and verification steps. A failed
 * pre-flight check (`istioctl x precheck`, `linkerd check --pre`) and a failed install are
 * coded errors carrying the tool's own last words.
 */
export async function installMesh(
  mesh: ClusterMesh,
  cluster: { readonly gatewayApiCrds: boolean },
  run: (step: CliStep) => Promise<unknown>,
): Promise<void> {
  for (const step of mesh.precheckSteps) {
    try {
      await run(step);
    } catch (cause) {
      throw new MeshproofError(
        'MESHPROOF_MESH_PRECHECK_FAILED',
        `the cluster cannot run ${mesh.adapter.name} ${mesh.version} (${(cause as Error).message}); fix what the check reports, or use another cluster`,
        { cause },
      );
    }
  }
  for (const step of mesh.installSteps(cluster)) {
    try {
      await run(step);
    } catch (cause) {
      throw new MeshproofError(
        'MESHPROOF_MESH_INSTALL_FAILED',
        `${mesh.adapter.name} ${mesh.version} did not install (${(cause as Error).message})`,
        { cause },
      );
    }
  }
}

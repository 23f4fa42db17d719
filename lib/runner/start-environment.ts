import { startKubernetesEnvironment } from '../environments/kubernetes-environment.ts';
import { startLocalEnvironment } from '../environments/local-environment.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import type { ReferenceDefect } from '../meshes/reference/defects.ts';
import type { Check, Environment } from '../model/index.ts';
import type { RunConfig } from './run-config.ts';

/** Brings up the platform and mesh a run asks for, with the fixtures deployed for the selected checks. */
export async function startEnvironment(config: RunConfig, checks: readonly Check[]): Promise<Environment> {
  if (config.mesh === 'reference' && config.platform === 'local') {
    return startLocalEnvironment({
      defects: new Set(config.defects as ReferenceDefect[]),
      runDir: config.workDir,
      ...(config.basePort !== undefined ? { basePort: config.basePort } : {}),
    });
  }
  if (config.mesh === 'reference' || config.platform === 'local') {
    throw new MeshproofError(
      'MESHPROOF_UNSUPPORTED_COMBINATION',
      `mesh ${config.mesh} does not run on platform ${config.platform}`,
    );
  }
  return startKubernetesEnvironment({
    runId: config.runId,
    platform: config.platform,
    mesh: clusterMeshFor(config.mesh, config.routing),
    workDir: config.workDir,
    intents: checks.flatMap((c) => [...c.intents]),
    ...(config.context ? { context: config.context } : {}),
    installMesh: config.installMesh === true,
    log: (line) => process.stderr.write(`${line}\n`),
  });
}

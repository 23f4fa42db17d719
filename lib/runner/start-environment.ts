import { MeshproofError } from '../errors/meshproof-error.ts';
import type { ReferenceDefect } from '../meshes/reference/defects.ts';
import type { Environment } from '../model/index.ts';
import { startLocalEnvironment } from '../platforms/local/local-environment.ts';
import type { RunConfig } from './run-config.ts';

/** Brings up the platform and mesh a run asks for, with the fixtures deployed. */
export async function startEnvironment(config: RunConfig): Promise<Environment> {
  if (config.mesh === 'reference' && config.platform === 'local') {
    return startLocalEnvironment({
      defects: new Set(config.defects as ReferenceDefect[]),
      runDir: config.workDir,
      ...(config.basePort !== undefined ? { basePort: config.basePort } : {}),
    });
  }
  throw new MeshproofError(
    'MESHPROOF_UNSUPPORTED_COMBINATION',
    `mesh ${config.mesh} on platform ${config.platform} cannot be run yet; use --mesh reference --platform local`,
  );
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JWKS_PATH } from '../../fixtures/jwks/jwks-server.ts';
import type { Timeouts } from '../model/index.ts';
import { awaitListening } from '../platforms/local/local-workloads.ts';
import type { PortAllocator } from '../platforms/local/ports.ts';
import type { ProcessGroup } from '../platforms/local/process-group.ts';
import type { Jwks } from '../traffic/jwt-issuer.ts';

const jwksServerPath = fileURLToPath(new URL('../../fixtures/jwks/jwks-server.ts', import.meta.url));

/**
 * Starts the `jwks` fixture on 127.0.0.1 serving the run issuer's key set, outside the mesh (no
 * sidecar: the identity provider is not a mesh workload). Returns the key set's URL.
 */
export async function startLocalJwksServer(
  group: ProcessGroup,
  ports: PortAllocator,
  dir: string,
  jwks: Jwks,
  timeouts: Timeouts,
): Promise<string> {
  const port = await ports.allocate('the jwks fixture');
  const file = join(dir, 'jwks.json');
  await writeFile(file, JSON.stringify(jwks));
  const server = group.spawn('jwks', process.execPath, [jwksServerPath], {
    env: {
      ...process.env,
      JWKS_FILE: file,
      PORT: String(port),
      HOST: '127.0.0.1',
      JWKS_PARENT_PID: String(process.pid),
    },
  });
  await awaitListening(server, 'the jwks fixture', port, timeouts);
  return `http://127.0.0.1:${port}${JWKS_PATH}`;
}

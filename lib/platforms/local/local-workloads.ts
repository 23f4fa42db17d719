import { fileURLToPath } from 'node:url';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { Timeouts, Version } from '../../model/index.ts';
import { meshNamespace } from '../../model/index.ts';
import type { PortAllocator } from './ports.ts';
import type { ManagedProcess, ProcessGroup } from './process-group.ts';

const echoServerPath = fileURLToPath(new URL('../../../fixtures/echo/echo-server.ts', import.meta.url));

/** A server workload of the fixture topology, running as an echo process on this machine. */
export interface LocalWorkload {
  /** `server-v1`, ... */
  readonly name: string;
  readonly service: 'server';
  readonly version: Version;
  readonly appPort: number;
  readonly process: ManagedProcess;
}

/** The versions of `server` every run deploys. */
export const serverVersions: readonly Version[] = ['v1', 'v2', 'v3'];

/** Starts the echo fixture once per server version, each on its own port of 127.0.0.1. */
export async function startServerWorkloads(
  group: ProcessGroup,
  ports: PortAllocator,
  timeouts: Timeouts,
): Promise<LocalWorkload[]> {
  return Promise.all(
    serverVersions.map(async (version) => {
      const name = `server-${version}`;
      const appPort = await ports.allocate(`app of ${name}`);
      const process = group.spawn(name, globalThis.process.execPath, [echoServerPath], {
        env: {
          ...globalThis.process.env,
          PORT: String(appPort),
          HOST: '127.0.0.1',
          ECHO_SERVICE: 'server',
          ECHO_VERSION: version,
          ECHO_INSTANCE: `${name}-0`,
          ECHO_NAMESPACE: meshNamespace,
          // The echo exits by itself if the harness dies without cleaning up.
          ECHO_PARENT_PID: String(globalThis.process.pid),
        },
      });
      await awaitListening(process, `workload ${name}`, appPort, timeouts);
      return { name, service: 'server' as const, version, appPort, process };
    }),
  );
}

/**
 * Waits for a fixture process's `{"event":"listening"}` line; a port taken or a process that does
 * not start is one line with a stable code and the process's last words.
 */
export async function awaitListening(
  process: ManagedProcess,
  what: string,
  port: number,
  timeouts: Timeouts,
): Promise<void> {
  try {
    await process.waitForLine(
      (line) => line.includes('"listening"'),
      timeouts.workloadStartMs,
      'listening line',
    );
  } catch (cause) {
    const log = process.logTail(10).join(' | ');
    const code = /EADDRINUSE/.test(log) ? 'MESHPROOF_PORT_IN_USE' : 'MESHPROOF_WORKLOAD_START_FAILED';
    throw new MeshproofError(code, `${what} did not start on port ${port}: ${log || String(cause)}`, {
      cause,
    });
  }
}

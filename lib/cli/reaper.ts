/**
 * The run's reaper: a small process the CLI starts for each run, in a session of its own, that
 * cleans up the run's work directory when the CLI is gone, however it went (SIGKILL included).
 *
 * It learns of the CLI's end from its IPC channel: the kernel closes the CLI's end of the socket
 * when the CLI exits for any reason, and the reaper sees `disconnect` at once (Linux and macOS
 * alike, no polling). It then stops every process the run directory records (each workload's and
 * sidecar's process group) and removes the directory. In its own session
 * it is not reached by Ctrl-C or a kill of the CLI's process group. When the CLI ends a run
 * normally it cleans up itself and disconnects; the reaper then finds nothing and exits.
 *
 * {@link startReaper} runs `node lib/cli/reaper-process.ts <work-dir>`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cliTimeouts } from '../model/index.ts';

/** The reaper of one run, as the CLI holds it. */
export interface Reaper {
  readonly pid: number | undefined;
  /** Ends the watch (after the CLI cleaned up itself): the reaper checks once more and exits. */
  dismiss(): void;
}

/** What the reaper sends once it watches. */
export const readyMessage = 'meshproof-reaper-ready';

const reaperProcess = fileURLToPath(new URL('./reaper-process.ts', import.meta.url));

/**
 * Starts the reaper for a run directory and waits until it watches. When it cannot start in time
 * the run goes on without it and says so: a later run or `meshproof clean` sweeps what a killed
 * run leaves.
 */
export async function startReaper(workDir: string, warn: (line: string) => void): Promise<Reaper> {
  const child = spawn(process.execPath, [reaperProcess, workDir], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), cliTimeouts.reaperStartMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message === readyMessage);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    child.kill('SIGKILL');
    warn(
      'warning: the reaper did not start: if this run is killed, its processes stay until the next run or `meshproof clean`',
    );
    return { pid: undefined, dismiss: () => undefined };
  }
  // Neither the child nor its channel keeps the CLI alive.
  child.unref();
  child.channel?.unref();
  return {
    pid: child.pid,
    dismiss: () => {
      if (child.connected) child.disconnect();
    },
  };
}

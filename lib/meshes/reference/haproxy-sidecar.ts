import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { chaosTimeouts } from '../../model/index.ts';
import {
  awaitGroupGone,
  type ManagedProcess,
  type ProcessGroup,
} from '../../platforms/local/process-group.ts';

const run = promisify(execFile);

const loadingSuccess = /Loading success\./;
const formerWorkerExited = /Former worker \(\d+\) exited/;

/** The haproxy version on PATH, or a coded error saying how to install it. */
export async function haproxyVersion(command = 'haproxy'): Promise<string> {
  try {
    const { stdout } = await run(command, ['-v']);
    const version = /version (\d+\.\d+\.\d+)/.exec(stdout)?.[1];
    if (!version) throw new Error(`unexpected output of ${command} -v: ${stdout.slice(0, 80)}`);
    return version;
  } catch (cause) {
    throw new MeshproofError(
      'MESHPROOF_HAPROXY_MISSING',
      'haproxy (2.6 or newer) is needed for the reference mesh: install it with `apt-get install haproxy` (Debian/Ubuntu) or `brew install haproxy` (macOS), or run `make conformance`, which installs it when run as root',
      { cause },
    );
  }
}

/** Asks haproxy whether a configuration file is valid, without starting anything. */
export async function validateHaproxyConfig(file: string, command = 'haproxy'): Promise<void> {
  try {
    await run(command, ['-c', '-q', '-f', file]);
  } catch (cause) {
    const detail = (cause as { stderr?: string }).stderr?.trim().split('\n').slice(0, 3).join(' | ') ?? '';
    throw new MeshproofError(
      'MESHPROOF_PROXY_CONFIG_REJECTED',
      `haproxy rejected the rendered configuration ${file}: ${detail}`,
      { cause },
    );
  }
}

/** A running haproxy in master-worker mode, reloaded in place by SIGUSR2. */
export class HaproxySidecar {
  readonly name: string;
  readonly process: ManagedProcess;

  private constructor(name: string, process: ManagedProcess) {
    this.name = name;
    this.process = process;
  }

  /** Starts haproxy on a configuration file and waits until its first worker serves. */
  static async start(
    group: ProcessGroup,
    name: string,
    configFile: string,
    timeoutMs: number,
  ): Promise<HaproxySidecar> {
    const process = group.spawn(`sidecar/${name}`, 'haproxy', ['-W', '-db', '-f', configFile]);
    try {
      await process.waitForLine((line) => loadingSuccess.test(line), timeoutMs, 'successful start');
    } catch (cause) {
      const log = process.logTail(20).join('\n');
      if (/cannot bind socket|Address already in use/.test(log)) {
        throw new MeshproofError(
          'MESHPROOF_PORT_IN_USE',
          `sidecar ${name} could not bind its port (${firstLine(log, /cannot bind socket.*/)}); free it or choose another --base-port`,
          { cause },
        );
      }
      throw new MeshproofError(
        'MESHPROOF_WORKLOAD_START_FAILED',
        `sidecar ${name} did not start: ${firstLine(log, /ALERT.*/) || (cause as Error).message}`,
        { cause },
      );
    }
    return new HaproxySidecar(name, process);
  }

  /**
   * Reloads the configuration file and waits until the new worker serves and the former one
   * has exited, so that no request after this is served with the old configuration.
   */
  async reload(timeoutMs: number): Promise<void> {
    const loaded = this.process.waitForLine((line) => loadingSuccess.test(line), timeoutMs, 'reload');
    const formerGone = this.process.waitForLine(
      (line) => formerWorkerExited.test(line),
      timeoutMs,
      'former worker exit',
    );
    this.process.child.kill('SIGUSR2');
    await Promise.all([loaded, formerGone]);
  }

  /** Kills master and workers at once (SIGKILL to the process group), as a crash would, and waits until every one is gone. */
  async kill(): Promise<void> {
    const pid = this.process.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await this.process.exited;
    await awaitGroupGone(pid, chaosTimeouts.signalTakesEffectMs, chaosTimeouts.signalPollMs);
  }
}

function firstLine(log: string, pattern: RegExp): string {
  return pattern.exec(log)?.[0] ?? '';
}

import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a run directory records about the processes of its run, so that whoever cleans up (the
 * CLI, its reaper, or a later run sweeping after a killed one) stops exactly those and nothing
 * else. A process is known by its pid and its start time: a pid reused by another program after
 * the run died has another start time and is never signalled.
 */

/** File in a run directory listing every process the run started, one JSON record a line. */
export const pidFileName = 'pids';
/** File in a run directory naming the process that owns it (the CLI, or a test worker). */
export const ownerFileName = 'owner';

/** A process as the records know it. */
export interface ProcessIdentity {
  readonly pid: number;
  /** When it started (opaque; compared only with {@link startTime} of the same machine), or null if unknown. */
  readonly start: string | null;
}

/**
 * A process a run started: the leader of its own process group (a workload or sidecar with its
 * children, stopped together). The process that starts them is the CLI itself, which the run's
 * own cleanup and its reaper outlive or follow.
 */
export interface ProcessRecord extends ProcessIdentity {
  readonly kind: 'group';
  readonly name: string;
}

/** True while a process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = procStat(pid)?.state;
  return state === undefined || state !== 'Z';
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces and parentheses). */
function procStat(pid: number): { state: string; startTicks: string } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of the file, starttime field 22 (clock ticks since boot).
  return { state: fields[0] ?? '', startTicks: fields[19] ?? '' };
}

const hasProc = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

/**
 * When a running process started, or undefined when it is gone. Linux: from /proc (clock ticks
 * since boot); macOS and other systems without /proc: `ps -o lstart=` (to the second).
 */
export function startTime(pid: number): string | undefined {
  if (hasProc) {
    const stat = procStat(pid);
    return stat && stat.state !== 'Z' ? `ticks:${stat.startTicks}` : undefined;
  }
  try {
    const started = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return started === '' ? undefined : `lstart:${started}`;
  } catch {
    return undefined;
  }
}

/** This process or the one recorded: the same pid with the same start time. */
export function identify(pid: number): ProcessIdentity {
  return { pid, start: startTime(pid) ?? null };
}

/**
 * Whether the recorded process still runs: `true` when pid and start time match, `false` when it
 * is gone or its pid now belongs to another process, `undefined` when no start time was recorded.
 */
export function stillRunning(identity: ProcessIdentity): boolean | undefined {
  if (identity.start === null) return alive(identity.pid) ? undefined : false;
  const now = startTime(identity.pid);
  return now === undefined ? false : now === identity.start;
}

/** Whether this machine tells when a process started (/proc or ps): without it, nothing stale is touched. */
export function canIdentifyProcesses(): boolean {
  return startTime(process.pid) !== undefined;
}

/** Appends a record to the run directory's pid file (mode 0600). */
export function recordProcess(pidFile: string, record: ProcessRecord): void {
  appendFileSync(pidFile, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Every record of a pid file; a torn last line (the writer was killed mid-write) is skipped. */
export function readProcessRecords(pidFile: string): ProcessRecord[] {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return [];
  }
  const records: ProcessRecord[] = [];
  for (const line of text.split('\n')) {
    try {
      const value = JSON.parse(line) as Partial<ProcessRecord>;
      if (Number.isInteger(value.pid) && (value.pid as number) > 0 && value.kind === 'group') {
        records.push({
          pid: value.pid as number,
          start: typeof value.start === 'string' ? value.start : null,
          kind: value.kind,
          name: typeof value.name === 'string' ? value.name : '',
        });
      }
    } catch {
      // Not a record.
    }
  }
  return records;
}

/** The process owning a run directory, and the machine it runs on (a TMPDIR may be shared). */
export interface RunOwner extends ProcessIdentity {
  readonly host: string;
}

/** The owner recorded in a run directory, or undefined when it has none (not a meshproof run directory). */
export function readOwner(dir: string): RunOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(join(dir, ownerFileName), 'utf8')) as Partial<RunOwner>;
    if (!Number.isInteger(value.pid) || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid as number,
      start: typeof value.start === 'string' ? value.start : null,
      host: value.host,
    };
  } catch {
    return undefined;
  }
}

/** Whether a recorded owner is a process of this machine (pids of another one mean nothing here). */
export function ownedHere(owner: RunOwner): boolean {
  return owner.host === hostname();
}

/**
 * Creates a run directory in TMPDIR: mode 0700 (keys and configuration are only this user's),
 * owned by this process as its owner file says, so that a later run can tell it is stale.
 */
export async function createRunDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o700);
  const owner: RunOwner = { ...identify(process.pid), host: hostname() };
  writeFileSync(join(dir, ownerFileName), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  return dir;
}

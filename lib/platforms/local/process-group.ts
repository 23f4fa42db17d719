import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { identify, recordProcess } from './process-records.ts';

/** How a process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const logTailLines = 400;

/** A child process of the run: its output is kept (last lines) for diagnostics. */
export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ProcessExit>;
  readonly #lines: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();
  #exit: ProcessExit | undefined;

  constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => this.#record(line));
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      child.once('error', (error) => {
        this.#record(`spawn error: ${error.message}`);
        this.#exit = { code: null, signal: null };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last lines the process printed (stdout and stderr interleaved). */
  logTail(lines = 80): string[] {
    return this.#lines.slice(-lines);
  }

  /**
   * Resolves with the first line (printed from now on) that satisfies `predicate`; rejects when
   * the process exits first or the timeout passes.
   */
  waitForLine(predicate: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        settle();
      };
      const listener = (line: string) => {
        if (predicate(line)) done(() => resolve(line));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.#listeners.add(listener);
      void this.exited.then((exit) =>
        done(() => reject(new Error(`${this.name} exited (${exit.code ?? exit.signal}) before ${what}`))),
      );
    });
  }

  /** SIGTERM to its process group (the process and its children), then SIGKILL after the grace period. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running) return;
    this.#signalGroup('SIGTERM');
    // A paused process (a chaos action's SIGSTOP) acts on SIGTERM only once it continues.
    this.#signalGroup('SIGCONT');
    const exited = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!exited && this.running) {
      this.#signalGroup('SIGKILL');
      await this.exited;
    }
    // Children that outlived their leader (a haproxy worker) go with the group.
    this.#signalGroup('SIGKILL');
  }

  #signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is gone.
    }
  }

  #record(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > logTailLines) this.#lines.splice(0, this.#lines.length - logTailLines);
    for (const listener of this.#listeners) listener(line);
  }
}

/**
 * Every process a run starts, each the leader of its own process group (so that stopping it
 * stops its children too, and Ctrl-C reaches it only through the run's own cleanup). Each is
 * recorded in a file of the run directory with its start time, so that the CLI, its reaper or a
 * later run can stop exactly them even when the CLI that started them was killed.
 */
export class ProcessGroup implements AsyncDisposable {
  readonly #pidFile: string;
  readonly #graceMs: number;
  readonly #processes: ManagedProcess[] = [];

  constructor(pidFile: string, graceMs: number) {
    this.#pidFile = pidFile;
    this.#graceMs = graceMs;
  }

  spawn(
    name: string,
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): ManagedProcess {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined)
      recordProcess(this.#pidFile, { ...identify(child.pid), kind: 'group', name });
    const managed = new ManagedProcess(name, child);
    this.#processes.push(managed);
    return managed;
  }

  get processes(): readonly ManagedProcess[] {
    return this.#processes;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop(this.#graceMs)));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stopAll();
  }
}

/**
 * Waits until a process is stopped (SIGSTOP) or runs again (SIGCONT), as its scheduler state in
 * /proc says: a signal is delivered asynchronously, and a chaos action must not be recorded as
 * done before it took effect. Where there is no /proc (macOS), returns at once.
 */
export async function awaitStopped(
  pid: number,
  stopped: boolean,
  timeoutMs: number,
  pollMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    // The state follows the command name, which is in parentheses and may hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if ((state === 'T' || state === 't') === stopped) return;
    if (Date.now() > deadline)
      throw new Error(`process ${pid} is ${stopped ? 'not stopped' : 'still stopped'} after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/**
 * Waits until no process of a process group is left running: SIGKILL to a group is delivered to
 * each member on its own, and the leader's exit can be seen while a worker still holds its
 * listening socket (which then accepts connections and resets them). A zombie (dead, not yet
 * reaped by whoever inherited it) counts as gone. Without /proc, asks whether the group exists.
 */
export async function awaitGroupGone(pgid: number, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await groupRunning(pgid)) {
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still runs after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

async function groupRunning(pgid: number): Promise<boolean> {
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const pid of entries) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // After the command name (in parentheses): state, parent, process group.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

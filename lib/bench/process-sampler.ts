import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import {
  type ProcessSample,
  parseChildren,
  parseMachineCpu,
  parseProcStat,
  parseVmRssKiB,
  type ResourceUsage,
  summarizeProcessSamples,
} from './proc-stats.ts';

/** A process whose CPU and memory the benchmark samples. */
export interface SampledProcess {
  readonly name: string;
  readonly pid: number;
  /** Also count its children (haproxy master-worker: the workers do the proxying). */
  readonly withChildren: boolean;
}

/** Usage per sampled process over one window, and how busy the whole machine was. */
export interface WindowUsage {
  readonly processes: Readonly<Record<string, ResourceUsage | null>>;
  /** Share of all cores busy (any process, any user) during the window, 0..1; null without /proc. */
  readonly machineBusy: number | null;
}

/** Whether CPU and memory can be read from /proc on this machine (Linux). */
export const procAvailable = existsSync('/proc/self/stat');

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc CPU times (USER_HZ; 100 on practically every Linux), asked once. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    return parseChildren(await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8'));
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: find the children by their parent pid.
    const entries = await readdir('/proc').catch(() => [] as string[]);
    const children: number[] = [];
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
      if (stat && parseProcStat(stat).ppid === pid) children.push(Number(entry));
    }
    return children;
  }
}

/** Reads one process tree now; undefined once the root is gone. */
export async function sampleProcessTree(process: SampledProcess): Promise<ProcessSample | undefined> {
  const atMs = monotonicMs();
  const pids = [process.pid, ...(process.withChildren ? await childrenOf(process.pid) : [])];
  const ticksByPid: Record<number, number> = {};
  let rssKiB = 0;
  for (const pid of pids) {
    try {
      const [stat, status] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/status`, 'utf8'),
      ]);
      ticksByPid[pid] = parseProcStat(stat).cpuTicks;
      rssKiB += parseVmRssKiB(status) ?? 0;
    } catch {
      if (pid === process.pid) return undefined;
      // A worker that exited between listing and reading.
    }
  }
  return { atMs, ticksByPid, rssKiB };
}

/**
 * Samples CPU and memory of processes (and the machine's busy share) from /proc at a fixed
 * interval during a window: `start()` when the measured part begins, `stop()` when it ends.
 * On systems without /proc it measures nothing and says so with nulls.
 */
export class ProcessSampler {
  readonly #processes: readonly SampledProcess[];
  readonly #intervalMs: number;
  readonly #ticksPerSecond: number;
  #samples = new Map<string, ProcessSample[]>();
  #machineStart: { busyTicks: number; totalTicks: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pending: Promise<void> = Promise.resolve();

  constructor(
    processes: readonly SampledProcess[],
    intervalMs = 1_000,
    ticksPerSecond = clockTicksPerSecond(),
  ) {
    this.#processes = processes;
    this.#intervalMs = intervalMs;
    this.#ticksPerSecond = ticksPerSecond;
  }

  /** Takes the first sample and keeps sampling until {@link stop}. */
  start(): void {
    if (!procAvailable) return;
    this.#samples = new Map(this.#processes.map((p) => [p.name, []]));
    this.#pending = this.#sampleAll(true);
    this.#timer = setInterval(() => {
      this.#pending = this.#pending.then(() => this.#sampleAll(false));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Takes the last sample and summarises the window. */
  async stop(): Promise<WindowUsage> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (!procAvailable) {
      return { processes: Object.fromEntries(this.#processes.map((p) => [p.name, null])), machineBusy: null };
    }
    await this.#pending;
    await this.#sampleAll(false);
    let machineBusy: number | null = null;
    const machineEnd = await this.#machine();
    if (this.#machineStart && machineEnd) {
      const total = machineEnd.totalTicks - this.#machineStart.totalTicks;
      machineBusy = total > 0 ? (machineEnd.busyTicks - this.#machineStart.busyTicks) / total : null;
    }
    const processes: Record<string, ResourceUsage | null> = {};
    for (const p of this.#processes) {
      processes[p.name] = summarizeProcessSamples(this.#samples.get(p.name) ?? [], this.#ticksPerSecond);
    }
    return { processes, machineBusy };
  }

  async #sampleAll(first: boolean): Promise<void> {
    if (first) this.#machineStart = await this.#machine();
    await Promise.all(
      this.#processes.map(async (p) => {
        const sample = await sampleProcessTree(p).catch(() => undefined);
        if (sample) this.#samples.get(p.name)?.push(sample);
      }),
    );
  }

  async #machine(): Promise<{ busyTicks: number; totalTicks: number } | undefined> {
    try {
      return parseMachineCpu(await readFile('/proc/stat', 'utf8'));
    } catch {
      return undefined;
    }
  }
}

/**
 * Pure readers of Linux procfs text and the arithmetic that turns samples of it into CPU in
 * millicores and memory in MiB. The impure sampling lives in process-sampler.ts.
 */

/** The fields of `/proc/<pid>/stat` the benchmark uses. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime: CPU spent by every thread of the process, in clock ticks. */
  readonly cpuTicks: number;
}

/**
 * Parses `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isInteger(pid))
    throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 60)}`);
  // After ") " come field 3 (state), 4 (ppid), … 14 (utime), 15 (stime).
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(fields[n - 3]);
  const ppid = field(4);
  const utime = field(14);
  const stime = field(15);
  if (![ppid, utime, stime].every(Number.isFinite))
    throw new Error(`truncated /proc/<pid>/stat line for ${pid}`);
  return { pid, ppid, cpuTicks: utime + stime };
}

/** VmRSS of `/proc/<pid>/status` in KiB; undefined for kernel threads and zombies, which have none. */
export function parseVmRssKiB(statusText: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return match ? Number(match[1]) : undefined;
}

/** `/proc/<pid>/task/<tid>/children`: space-separated pids. */
export function parseChildren(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((s) => s.length > 0)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** Busy and total jiffies of the whole machine, from the first (`cpu `) line of `/proc/stat`. */
export function parseMachineCpu(statText: string): {
  readonly busyTicks: number;
  readonly totalTicks: number;
} {
  const line = statText.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyTicks: busy, totalTicks: busy + idle + iowait };
}

/** One look at a process tree (a process and, for haproxy master-worker, its children). */
export interface ProcessSample {
  /** Monotonic time of the sample, ms. */
  readonly atMs: number;
  /** CPU ticks per pid of the tree at that moment. */
  readonly ticksByPid: Readonly<Record<number, number>>;
  /** Sum of VmRSS over the tree, KiB. */
  readonly rssKiB: number;
}

/** Average and maximum of a quantity over a measurement window. */
export interface AvgMax {
  readonly avg: number;
  readonly max: number;
}

/** CPU and memory of one process tree over a window; null where it could not be measured. */
export interface ResourceUsage {
  /** Millicores: 1000 = one core busy for the whole window. */
  readonly cpuMillicores: AvgMax;
  /** Resident memory (VmRSS summed over the tree), MiB (2^20 bytes). */
  readonly memoryMiB: AvgMax;
  /** How many samples the figures rest on. */
  readonly samples: number;
}

/**
 * CPU ticks spent between two samples. A pid that appeared in between (a new haproxy worker after
 * a reload) counts all its ticks; one that exited loses its last partial interval.
 */
export function ticksBetween(previous: ProcessSample, next: ProcessSample): number {
  let ticks = 0;
  for (const [pid, value] of Object.entries(next.ticksByPid)) {
    const before = previous.ticksByPid[Number(pid)];
    ticks += before === undefined ? value : Math.max(0, value - before);
  }
  return ticks;
}

/**
 * Average and peak CPU (millicores) and memory (MiB) of a process tree from samples taken over a
 * window: CPU average over first→last, CPU peak over the busiest interval between consecutive
 * samples; memory averaged and maximised over the samples. Null with fewer than two samples.
 */
export function summarizeProcessSamples(
  samples: readonly ProcessSample[],
  ticksPerSecond: number,
): ResourceUsage | null {
  if (samples.length < 2) return null;
  const millicores = (ticks: number, ms: number) =>
    ms > 0 ? (ticks / ticksPerSecond / (ms / 1000)) * 1000 : 0;
  let totalTicks = 0;
  let peak = 0;
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1] as ProcessSample;
    const next = samples[i] as ProcessSample;
    const ticks = ticksBetween(previous, next);
    totalTicks += ticks;
    peak = Math.max(peak, millicores(ticks, next.atMs - previous.atMs));
  }
  const first = samples[0] as ProcessSample;
  const last = samples[samples.length - 1] as ProcessSample;
  const rss = samples.map((s) => s.rssKiB / 1024);
  return {
    cpuMillicores: { avg: millicores(totalTicks, last.atMs - first.atMs), max: peak },
    memoryMiB: { avg: rss.reduce((a, b) => a + b, 0) / rss.length, max: Math.max(...rss) },
    samples: samples.length,
  };
}

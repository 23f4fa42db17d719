import { cpus, loadavg } from 'node:os';

/** How busy the machine was during one run. */
export interface MachineLoad {
  /** The 1-minute load average when the run started, at its highest during the run, and at its end. */
  readonly loadAverage: { readonly start: number; readonly max: number; readonly end: number };
  /** Share of all CPUs' time spent busy during the run (0..1), every process counted. */
  readonly cpuBusy: number;
}

/** Cumulative time one CPU spent in each state (milliseconds), as `os.cpus()` reports it. */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly sys: number;
  readonly idle: number;
  readonly irq: number;
}

/** Share of CPU time spent busy between two readings of every CPU's times (pure). */
export function cpuBusyShare(before: readonly CpuTimes[], after: readonly CpuTimes[]): number {
  let busy = 0;
  let total = 0;
  after.forEach((a, i) => {
    const b = before[i];
    if (!b) return;
    const idle = a.idle - b.idle;
    const all = a.user - b.user + (a.nice - b.nice) + (a.sys - b.sys) + idle + (a.irq - b.irq);
    busy += all - idle;
    total += all;
  });
  return total > 0 ? busy / total : 0;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const cpuTimes = (): CpuTimes[] => cpus().map((c) => c.times);

/**
 * Samples the machine's load while a run goes on: the 1-minute load average every `periodMs`,
 * and the CPUs' busy share from their cumulative times at the start and the end (Linux and macOS).
 */
export function sampleMachineLoad(periodMs: number): { stop(): MachineLoad } {
  const startTimes = cpuTimes();
  const start = loadavg()[0] ?? 0;
  let max = start;
  const timer = setInterval(() => {
    max = Math.max(max, loadavg()[0] ?? 0);
  }, periodMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      const end = loadavg()[0] ?? 0;
      return {
        loadAverage: { start: round2(start), max: round2(Math.max(max, end)), end: round2(end) },
        cpuBusy: round2(cpuBusyShare(startTimes, cpuTimes())),
      };
    },
  };
}

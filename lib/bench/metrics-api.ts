/**
 * Pure readers of the Kubernetes metrics API (metrics.k8s.io/v1beta1 PodMetricsList, as served
 * by metrics-server, which k3s ships): container CPU and memory quantities, and their average and
 * maximum over a window's samples.
 */
import type { ResourceUsage } from './proc-stats.ts';

/** The part of a PodMetricsList the benchmark reads. */
export interface PodMetricsListLike {
  readonly items: readonly {
    readonly metadata: { readonly name: string; readonly namespace?: string };
    readonly containers: readonly {
      readonly name: string;
      readonly usage: { readonly cpu: string; readonly memory: string };
    }[];
  }[];
}

/**
 * One reading of a pod (metrics.k8s.io/v1beta1 PodMetrics): CPU is the rate over
 * [timestamp − window, timestamp] between two of metrics-server's scrapes (metrics-server
 * pkg/storage/types.go `resourceUsage`: Timestamp = last scrape, Window = last − previous).
 */
export interface PodMetricsReading {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly timestamp: string;
  /** A duration as the API writes it: `15s`, `14.987s`, `1m0s`. */
  readonly window: string;
  readonly containers: PodMetricsListLike['items'][number]['containers'];
}

/** A metrics API window (`15s`, `1.5s`, `1m0s`, `500ms`) in milliseconds, or undefined. */
export function parseWindowMs(window: string): number | undefined {
  const units: Readonly<Record<string, number>> = {
    h: 3_600_000,
    m: 60_000,
    s: 1_000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 1e-6,
  };
  const parts = [...window.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== window.trim()) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] as string] ?? 0), 0);
}

/**
 * The readings whose rate window lies inside [startMs, endMs]: only they measure that span alone.
 * A reading whose window began before the span (or is unreadable) is left out, never mixed in.
 */
export function readingsWithin(
  readings: readonly PodMetricsReading[],
  startMs: number,
  endMs: number,
): PodMetricsReading[] {
  return readings.filter((r) => {
    const at = Date.parse(r.timestamp);
    const window = parseWindowMs(r.window);
    return Number.isFinite(at) && window !== undefined && window > 0 && at - window >= startMs && at <= endMs;
  });
}

/** One container's usage at one moment. */
export interface ContainerUsageSample {
  readonly cpuMillicores: number;
  readonly memoryMiB: number;
}

/** A CPU quantity (`250m`, `12345678n`, `1500u`, `2`, `0.5`) in millicores. */
export function parseCpuQuantity(quantity: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)(n|u|m)?\s*$/.exec(quantity);
  if (!match) throw new Error(`not a CPU quantity: ${quantity}`);
  const value = Number(match[1]);
  const unit = match[2];
  if (unit === 'n') return value / 1e6;
  if (unit === 'u') return value / 1e3;
  if (unit === 'm') return value;
  return value * 1000;
}

const memoryFactors: Readonly<Record<string, number>> = {
  '': 1,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** A memory quantity (`123456Ki`, `64Mi`, `1G`, `1048576`) in MiB. */
export function parseMemoryQuantity(quantity: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?\s*$/.exec(quantity);
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  return (Number(match[1]) * (memoryFactors[match[2] ?? ''] ?? 1)) / 1024 ** 2;
}

/** A container's usage in a PodMetricsList, or undefined when the pod or container is not in it (yet). */
export function containerUsage(
  list: PodMetricsListLike,
  pod: string,
  container: string,
): ContainerUsageSample | undefined {
  const usage = list.items
    .find((p) => p.metadata.name === pod)
    ?.containers.find((c) => c.name === container)?.usage;
  return usage
    ? { cpuMillicores: parseCpuQuantity(usage.cpu), memoryMiB: parseMemoryQuantity(usage.memory) }
    : undefined;
}

/**
 * Average and maximum over a window's samples. metrics-server reports CPU as a rate over its own
 * window, so each sample is already an average (see `readingsWithin`); null without samples.
 */
export function usageFromSamples(samples: readonly ContainerUsageSample[]): ResourceUsage | null {
  if (samples.length === 0) return null;
  const cpu = samples.map((s) => s.cpuMillicores);
  const memory = samples.map((s) => s.memoryMiB);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    cpuMillicores: { avg: mean(cpu), max: Math.max(...cpu) },
    memoryMiB: { avg: mean(memory), max: Math.max(...memory) },
    samples: samples.length,
  };
}

import {
  encodeLatencyHistogram,
  type LatencyHistogram,
  type LatencySummary,
  mergeLatencyHistograms,
  summarizeLatency,
} from '../stats/histogram.ts';
import type {
  BenchEnvironment,
  BenchHalf,
  BenchMode,
  BenchPaths,
  BenchRunData,
  BenchWindow,
  DriverCapacity,
  MeshedMode,
  ProxyRole,
} from './bench-types.ts';
import type { AvgMax, ResourceUsage } from './proc-stats.ts';

/** When a window's figures count as a latency measurement, and when the method is trusted. */
export interface BenchThresholds {
  /** Achieved rate at least this share of the target. */
  readonly minAchievedRatio: number;
  /** Dropped arrivals at most this share of the scheduled ones. */
  readonly maxDroppedRatio: number;
  /** Errors at most this share of the sent requests. */
  readonly maxErrorRatio: number;
  /** The generator's event loop busy at most this share of the window (else it is saturated). */
  readonly maxEventLoopUtilization: number;
  /** p50 of two runs (the run's interleaved halves; on clusters its repetitions) agree within this relative spread ((max − min) / min). */
  readonly maxP50Spread: number;
  /** Calibration: measured delay within max(relative × D, absolute) of D. */
  readonly calibrationRelative: number;
  readonly calibrationAbsoluteMs: number;
}

/** The thresholds of the issue: 99% of the target, p50 within 10%, calibration within 10% or 0.2 ms. */
export const benchThresholds: BenchThresholds = {
  minAchievedRatio: 0.99,
  maxDroppedRatio: 0,
  maxErrorRatio: 0.001,
  maxEventLoopUtilization: 0.8,
  maxP50Spread: 0.1,
  calibrationRelative: 0.1,
  calibrationAbsoluteMs: 0.2,
};

/** Latency figures in milliseconds (Service Mesh Performance spec names, p999 = p99.9). */
export interface LatencyFigures {
  readonly min: number;
  readonly avg: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** The percentiles whose spread between repetitions and added latency are reported. */
export const spreadPercentiles = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export type SpreadPercentile = (typeof spreadPercentiles)[number];

/** Lowest and highest value of a figure across repetitions, and (max − min) / min. */
export interface Spread {
  readonly min: number;
  readonly max: number;
  readonly relative: number;
}

/** One repetition of one mode at one rate. */
export interface RepetitionResult {
  readonly repetition: number;
  readonly valid: boolean;
  readonly problems: readonly string[];
  readonly achievedRps: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly dropped: number;
  readonly late: number | null;
  readonly latenciesMs: LatencyFigures;
  readonly generatorCpuMillicores: number | null;
  readonly eventLoopUtilization: number | null;
  readonly machineBusy: number | null;
  /** CPU used by processes other than the benchmark's own during the window (millicores). */
  readonly otherLoadMillicores: number | null;
}

/** One mode at one rate, pooled over its repetitions. */
export interface ModeResult {
  readonly mode: BenchMode;
  readonly targetRps: number;
  /** Mean achieved rate over the repetitions. */
  readonly actualRps: number;
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  readonly dropped: number;
  readonly late: number | null;
  readonly valid: boolean;
  /** Pooled HdrHistogram over the repetitions; null when the point is invalid. */
  readonly latenciesMs: LatencyFigures | null;
  readonly serviceTimeMs: LatencyFigures | null;
  readonly sendLagMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  readonly spreadMs: Readonly<Record<SpreadPercentile, Spread>> | null;
  /**
   * Pooled p50 of the run's two interleaved halves (odd- and even-numbered slices, each a
   * complete benchmark of every point over the whole run): two runs. Null when not sliced or invalid.
   */
  readonly halvesP50Ms: { readonly first: number; readonly second: number; readonly relative: number } | null;
  readonly generator: {
    readonly cpuMillicores: AvgMax | null;
    readonly eventLoopUtilization: AvgMax | null;
  };
  readonly app: { readonly cpuMillicores: AvgMax; readonly memoryMiB: AvgMax } | null;
  readonly machineBusy: AvgMax | null;
  /** CPU used by other processes on the machine during the windows: noise the figures carry. */
  readonly otherLoadMillicores: AvgMax | null;
  readonly repetitions: readonly RepetitionResult[];
  /** The pooled histogram (HdrHistogram compressed base64, microseconds), for charts and re-analysis. */
  readonly histogram: string;
}

/** A figure the mesh's authors published for a proxy, to read a measured one against. */
export interface PublishedProxyFigures {
  readonly cpuMillicoresPer1000Rps: number;
  /** As published, in MB. */
  readonly memoryMB: number;
  readonly source: string;
}

/** CPU and memory of one proxy on a meshed path. */
export interface ProxyResult {
  readonly role: ProxyRole;
  /** The path whose windows it was read in: `meshed`, or Istio ambient's L4-only `meshed-l4`. */
  readonly mode: MeshedMode;
  readonly name: string;
  readonly cpuMillicores: AvgMax | null;
  readonly memoryMiB: AvgMax | null;
  /** Average CPU scaled to 1000 requests per second of the achieved rate (Istio's unit). */
  readonly cpuMillicoresPer1000Rps: number | null;
  /** What the mesh publishes for this proxy per 1000 rps; null where nothing is published for it. */
  readonly published: PublishedProxyFigures | null;
}

const ambientSource = 'Istio 1.24 performance summary (1000 rps, 1 KB payload)';

/**
 * Istio's published ambient figures per 1000 rps (docs/cluster-contract.md A19): a ztunnel
 * 0.06 vCPU and 12 MB, a waypoint 0.25 vCPU and 60 MB.
 */
export const publishedAmbientFigures: Readonly<Record<'ztunnel' | 'waypoint', PublishedProxyFigures>> = {
  ztunnel: { cpuMillicoresPer1000Rps: 60, memoryMB: 12, source: ambientSource },
  waypoint: { cpuMillicoresPer1000Rps: 250, memoryMB: 60, source: ambientSource },
};

/** The published figures a role is read against (ambient's proxies; none for sidecars here). */
export function publishedFiguresOf(role: ProxyRole): PublishedProxyFigures | null {
  if (role === 'waypoint') return publishedAmbientFigures.waypoint;
  if (role === 'ztunnel' || role === 'client-ztunnel' || role === 'server-ztunnel')
    return publishedAmbientFigures.ztunnel;
  return null;
}

/** Istio ambient's L4-only path at one rate: ztunnel without the waypoint. */
export interface L4Point {
  readonly result: ModeResult;
  /** meshed-l4 − baseline per figure of the pooled histograms; null when the point is invalid. */
  readonly addedLatencyMs: LatencyFigures | null;
  readonly addedLatencySpreadMs: RatePoint['addedLatencySpreadMs'];
}

/** One rate of the sweep. */
export interface RatePoint {
  readonly targetRps: number;
  readonly valid: boolean;
  readonly problems: readonly string[];
  readonly baseline: ModeResult;
  readonly meshed: ModeResult;
  /** meshed − baseline per figure of the pooled histograms; null when the point is invalid. */
  readonly addedLatencyMs: LatencyFigures | null;
  /** Lowest and highest per-repetition difference (each repetition's meshed − baseline, run back to back). */
  readonly addedLatencySpreadMs: Readonly<
    Record<SpreadPercentile, { readonly min: number; readonly max: number }>
  > | null;
  /** The proxies of every meshed path (`mode` says which), each with its published figures. */
  readonly proxies: readonly ProxyResult[];
  /** Istio ambient: the L4-only path (ztunnel alone); absent for sidecar meshes. */
  readonly meshedL4?: L4Point;
}

/** A known delay measured through the whole method. */
export interface CalibrationResult {
  readonly rateRps: number;
  readonly delayMs: number;
  /** What the server app measured it waited (median): the delay the measurement must find; null when unknown. */
  readonly waitedMs: number | null;
  /** Pooled p50 of the delayed path − pooled p50 of the baseline. */
  readonly measuredMs: number;
  readonly measuredP90Ms: number;
  readonly toleranceMs: number;
  readonly perRepetitionMs: readonly number[];
  readonly valid: boolean;
  readonly passed: boolean;
}

/** A check on the method itself, reported with the results; every one says what was wanted and what was seen. */
export interface SelfCheck {
  readonly name: 'path' | 'headroom' | 'calibration' | 'repeatability';
  readonly status: 'passed' | 'failed' | 'not-run';
  readonly want: string;
  readonly got: string;
}

/** bench.json: a sidecar-overhead benchmark in the spirit of the Service Mesh Performance spec. */
export interface BenchReport {
  readonly apiVersion: 'meshproof.dev/v1alpha1';
  readonly kind: 'SidecarOverheadBenchmark';
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** True when no self-check failed: the figures can be trusted as far as the method can tell. */
  readonly passed: boolean;
  readonly environment: BenchEnvironment;
  readonly testConfig: {
    readonly rates: readonly number[];
    readonly durationSeconds: number;
    /** Slices each window was measured in (interleaved over the run); 1 on clusters. */
    readonly slices: number;
    readonly warmupSeconds: number;
    readonly repetitions: number;
    readonly connections: number;
    readonly payloadBytes: number;
    readonly timeoutMs: number;
    readonly maxInFlight: number;
    readonly lateAfterMs: number;
    readonly loadGenerator: string;
    readonly order: string;
    readonly calibration: { readonly delayMs: number; readonly rateRps: number } | null;
  };
  readonly paths: BenchPaths;
  readonly results: readonly RatePoint[];
  readonly calibration: CalibrationResult | null;
  readonly selfChecks: readonly SelfCheck[];
  readonly driverCapacity: (DriverCapacity & { readonly ratio: number | null }) | null;
  /** CPU other processes used on the machine during the windows (millicores of all cores): the noise. */
  readonly otherLoadMillicores: AvgMax | null;
  readonly thresholds: BenchThresholds;
  readonly referenceNumbers: readonly string[];
  readonly notes: readonly string[];
}

/** Published figures to compare with (SEMANTICS.md). */
export const referenceNumbers: readonly string[] = [
  'Istio 1.24 docs: a sidecar uses 0.20 vCPU and 60 MB per 1000 rps (1 KB payload).',
  'Istio 1.20 docs: two sidecars add p90 +0.228 ms and p99 +0.298 ms at 1000 rps.',
  'Linkerd blog 2021 (Linkerd 2.11 vs Istio 1.12, 20/200/2000 rps): p50 +6–8 ms vs +17–20 ms over the baseline; proxy memory 26 MB vs 156 MB max.',
];

/** The published ambient figures in words (bench.json's referenceNumbers of an ambient run). */
export const ambientReferenceNumbers: readonly string[] = [
  `${ambientSource}: a ztunnel uses ${publishedAmbientFigures.ztunnel.cpuMillicoresPer1000Rps / 1000} vCPU and ${publishedAmbientFigures.ztunnel.memoryMB} MB, a waypoint ${publishedAmbientFigures.waypoint.cpuMillicoresPer1000Rps / 1000} vCPU and ${publishedAmbientFigures.waypoint.memoryMB} MB per 1000 rps (quoted by third parties; not read at the source, docs/cluster-contract.md A19).`,
];

const round = (value: number, digits = 3) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function figures(summary: LatencySummary): LatencyFigures {
  return {
    min: round(summary.minMs),
    avg: round(summary.meanMs),
    p50: round(summary.p50Ms),
    p90: round(summary.p90Ms),
    p99: round(summary.p99Ms),
    p999: round(summary.p999Ms),
    max: round(summary.maxMs),
  };
}

const percent = (ratio: number) => `${round(ratio * 100, 1)}%`;

function describeErrors(kinds: Readonly<Record<string, number>>): string {
  return Object.entries(kinds)
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${kind}: ${n}`)
    .join(', ');
}

/**
 * Why a window's figures are not a latency measurement; empty when they are. Late sends do not
 * invalidate a window: latency is timed from the intended send time, so a stall of the machine
 * is in the figures rather than hidden; they are reported beside them. A saturated generator, a
 * path that did not sustain the rate, drops and errors do.
 */
export function windowProblems(window: BenchWindow, thresholds: BenchThresholds = benchThresholds): string[] {
  const problems: string[] = [];
  if (window.achievedRps < thresholds.minAchievedRatio * window.rateRps) {
    problems.push(
      `achieved ${round(window.achievedRps, 1)} rps, below ${percent(thresholds.minAchievedRatio)} of ${window.rateRps}`,
    );
  }
  if (window.dropped > thresholds.maxDroppedRatio * window.scheduled) {
    problems.push(`${window.dropped} of ${window.scheduled} arrivals dropped (no free connection or VU)`);
  }
  if (window.errors > thresholds.maxErrorRatio * Math.max(window.sent, 1)) {
    problems.push(`${window.errors} errors (${describeErrors(window.errorKinds)})`);
  }
  const elu = window.generator.eventLoopUtilization;
  if (elu !== null && elu > thresholds.maxEventLoopUtilization) {
    problems.push(`the load generator's event loop was ${percent(elu)} busy (saturated)`);
  }
  return problems;
}

const nullableRound = (value: number | null, digits: number) =>
  value === null ? null : round(value, digits);

/**
 * CPU used during a window by processes other than the benchmark's own (generator, proxies,
 * server app): the machine's busy share of all cores minus theirs. Null when not measured.
 */
export function otherLoadMillicores(window: BenchWindow, cores: number): number | null {
  if (window.machineBusy === null || cores <= 0) return null;
  const own =
    (window.generator.cpuMillicores ?? 0) +
    Object.values(window.proxies).reduce((sum, u) => sum + (u?.cpuMillicores.avg ?? 0), 0) +
    (window.app?.cpuMillicores.avg ?? 0);
  return Math.max(0, window.machineBusy * cores * 1000 - own);
}

function avgMax(values: readonly number[]): AvgMax | null {
  if (values.length === 0) return null;
  return { avg: values.reduce((a, b) => a + b, 0) / values.length, max: Math.max(...values) };
}

function roundAvgMax(value: AvgMax | null, digits: number): AvgMax | null {
  return value ? { avg: round(value.avg, digits), max: round(value.max, digits) } : null;
}

/** Combines the usage of several windows: average of averages, maximum of maxima. */
export function combineUsage(usages: readonly (ResourceUsage | null | undefined)[]): {
  cpuMillicores: AvgMax;
  memoryMiB: AvgMax;
} | null {
  const present = usages.filter((u): u is ResourceUsage => u !== null && u !== undefined);
  if (present.length === 0) return null;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    cpuMillicores: {
      avg: round(mean(present.map((u) => u.cpuMillicores.avg)), 1),
      max: round(Math.max(...present.map((u) => u.cpuMillicores.max)), 1),
    },
    memoryMiB: {
      avg: round(mean(present.map((u) => u.memoryMiB.avg)), 2),
      max: round(Math.max(...present.map((u) => u.memoryMiB.max)), 2),
    },
  };
}

/** Spread of each reported percentile over the repetitions' summaries. */
export function spreadOf(summaries: readonly LatencyFigures[]): Record<SpreadPercentile, Spread> | null {
  if (summaries.length === 0) return null;
  const entries = spreadPercentiles.map((p) => {
    const values = summaries.map((s) => s[p]);
    const min = Math.min(...values);
    const max = Math.max(...values);
    return [p, { min, max, relative: min > 0 ? round((max - min) / min, 4) : 0 }] as const;
  });
  return Object.fromEntries(entries) as Record<SpreadPercentile, Spread>;
}

/** meshed − baseline for every figure. */
export function addedLatency(baseline: LatencyFigures, meshed: LatencyFigures): LatencyFigures {
  return {
    min: round(meshed.min - baseline.min),
    avg: round(meshed.avg - baseline.avg),
    p50: round(meshed.p50 - baseline.p50),
    p90: round(meshed.p90 - baseline.p90),
    p99: round(meshed.p99 - baseline.p99),
    p999: round(meshed.p999 - baseline.p999),
    max: round(meshed.max - baseline.max),
  };
}

function halvesP50(halves: readonly BenchHalf[]): ModeResult['halvesP50Ms'] {
  const p50Of = (half: 1 | 2) => {
    const latency = halves.find((h) => h.half === half)?.latency;
    return latency && latency.totalCount > 0 ? round(summarizeLatency(latency).p50Ms) : undefined;
  };
  const first = p50Of(1);
  const second = p50Of(2);
  if (first === undefined || second === undefined) return null;
  const low = Math.min(first, second);
  return { first, second, relative: low > 0 ? round(Math.abs(first - second) / low, 4) : 0 };
}

function pooled(histograms: readonly (LatencyHistogram | null)[]): LatencyHistogram | null {
  const present = histograms.filter((h): h is LatencyHistogram => h !== null);
  return present.length > 0 ? mergeLatencyHistograms(present) : null;
}

function modeResult(
  mode: BenchMode,
  rate: number,
  windows: readonly BenchWindow[],
  cores: number,
  thresholds: BenchThresholds,
  halves: readonly BenchHalf[] = [],
): ModeResult {
  const repetitions = windows.map((w): RepetitionResult => {
    const problems = windowProblems(w, thresholds);
    return {
      repetition: w.repetition,
      valid: problems.length === 0,
      problems,
      achievedRps: round(w.achievedRps, 1),
      sent: w.sent,
      ok: w.ok,
      errors: w.errors,
      dropped: w.dropped,
      late: w.late,
      latenciesMs: figures(summarizeLatency(w.latency)),
      generatorCpuMillicores: w.generator.cpuMillicores === null ? null : round(w.generator.cpuMillicores, 1),
      eventLoopUtilization:
        w.generator.eventLoopUtilization === null ? null : round(w.generator.eventLoopUtilization, 3),
      machineBusy: w.machineBusy === null ? null : round(w.machineBusy, 3),
      otherLoadMillicores: nullableRound(otherLoadMillicores(w, cores), 0),
    };
  });
  const valid = windows.length > 0 && repetitions.every((r) => r.valid);
  const latency = pooled(windows.map((w) => w.latency)) ?? mergeLatencyHistograms([]);
  const serviceTime = pooled(windows.map((w) => w.serviceTime));
  const sendLag = pooled(windows.map((w) => w.sendLag));
  const sum = (f: (w: BenchWindow) => number) => windows.reduce((a, w) => a + f(w), 0);
  const errorKinds: Record<string, number> = {};
  for (const w of windows) {
    for (const [kind, n] of Object.entries(w.errorKinds)) errorKinds[kind] = (errorKinds[kind] ?? 0) + n;
  }
  const lateValues = windows.map((w) => w.late);
  const lagSummary = sendLag ? summarizeLatency(sendLag) : null;
  const numbers = (values: readonly (number | null)[]) => values.filter((v): v is number => v !== null);
  return {
    mode,
    targetRps: rate,
    actualRps: round(windows.length > 0 ? sum((w) => w.achievedRps) / windows.length : 0, 1),
    requests: sum((w) => w.sent),
    ok: sum((w) => w.ok),
    errors: sum((w) => w.errors),
    errorKinds,
    dropped: sum((w) => w.dropped),
    late: lateValues.some((l) => l === null) ? null : numbers(lateValues).reduce((a, b) => a + b, 0),
    valid,
    latenciesMs: valid ? figures(summarizeLatency(latency)) : null,
    serviceTimeMs: valid && serviceTime ? figures(summarizeLatency(serviceTime)) : null,
    sendLagMs: lagSummary
      ? { p50: round(lagSummary.p50Ms), p99: round(lagSummary.p99Ms), max: round(lagSummary.maxMs) }
      : null,
    spreadMs: valid ? spreadOf(repetitions.map((r) => r.latenciesMs)) : null,
    halvesP50Ms: valid ? halvesP50(halves.filter((h) => h.rateRps === rate && h.mode === mode)) : null,
    generator: {
      cpuMillicores: roundAvgMax(avgMax(numbers(windows.map((w) => w.generator.cpuMillicores))), 1),
      eventLoopUtilization: roundAvgMax(
        avgMax(numbers(windows.map((w) => w.generator.eventLoopUtilization))),
        3,
      ),
    },
    app: combineUsage(windows.map((w) => w.app)),
    machineBusy: roundAvgMax(avgMax(numbers(windows.map((w) => w.machineBusy))), 3),
    otherLoadMillicores: roundAvgMax(avgMax(numbers(windows.map((w) => otherLoadMillicores(w, cores)))), 0),
    repetitions,
    histogram: encodeLatencyHistogram(latency),
  };
}

/** The order roles are reported in. */
const roleOrder: readonly ProxyRole[] = [
  'client-sidecar',
  'server-sidecar',
  'client-ztunnel',
  'ztunnel',
  'server-ztunnel',
  'waypoint',
];

function proxyResults(
  data: BenchRunData,
  mode: MeshedMode,
  windows: readonly BenchWindow[],
  achievedRps: number,
): ProxyResult[] {
  // The roles on this path: those read in its windows, or (nothing read) the ones the run named.
  const read = new Set(windows.flatMap((w) => Object.keys(w.proxies)));
  const roles = roleOrder.filter((r) =>
    read.size > 0 ? read.has(r) : mode === 'meshed' && data.proxyNames[r] !== undefined,
  );
  return roles.map((role) => {
    const usage = combineUsage(windows.map((w) => w.proxies[role]));
    return {
      role,
      mode,
      name: data.proxyNames[role] ?? role,
      cpuMillicores: usage?.cpuMillicores ?? null,
      memoryMiB: usage?.memoryMiB ?? null,
      cpuMillicoresPer1000Rps:
        usage && achievedRps > 0 ? round((usage.cpuMillicores.avg / achievedRps) * 1000, 1) : null,
      published: publishedFiguresOf(role),
    };
  });
}

function pairedSpread(
  baseline: readonly RepetitionResult[],
  meshed: readonly RepetitionResult[],
): Record<SpreadPercentile, { min: number; max: number }> | null {
  const pairs = meshed.flatMap((m) => {
    const b = baseline.find((r) => r.repetition === m.repetition);
    return b ? [addedLatency(b.latenciesMs, m.latenciesMs)] : [];
  });
  if (pairs.length === 0) return null;
  const entries = spreadPercentiles.map((p) => {
    const values = pairs.map((d) => d[p]);
    return [p, { min: Math.min(...values), max: Math.max(...values) }] as const;
  });
  return Object.fromEntries(entries) as Record<SpreadPercentile, { min: number; max: number }>;
}

function windowsOf(data: BenchRunData, rate: number, mode: BenchMode): BenchWindow[] {
  return data.windows
    .filter((w) => w.rateRps === rate && w.mode === mode)
    .sort((a, b) => a.repetition - b.repetition);
}

function ratePoint(data: BenchRunData, rate: number, thresholds: BenchThresholds): RatePoint {
  const { cores } = data.environment;
  const baselineWindows = windowsOf(data, rate, 'baseline');
  const meshedWindows = windowsOf(data, rate, 'meshed');
  const l4Windows = windowsOf(data, rate, 'meshed-l4');
  const hasL4 = data.windows.some((w) => w.mode === 'meshed-l4');
  const baseline = modeResult('baseline', rate, baselineWindows, cores, thresholds, data.halves);
  const meshed = modeResult('meshed', rate, meshedWindows, cores, thresholds, data.halves);
  const l4 = hasL4 ? modeResult('meshed-l4', rate, l4Windows, cores, thresholds, data.halves) : undefined;
  const problems = [baseline, meshed, ...(l4 ? [l4] : [])].flatMap((m) =>
    m.repetitions.flatMap((r) => r.problems.map((p) => `${m.mode}, repetition ${r.repetition}: ${p}`)),
  );
  if (baselineWindows.length === 0 || meshedWindows.length === 0 || (hasL4 && l4Windows.length === 0))
    problems.push('not measured');
  const valid = problems.length === 0;
  const added = (m: ModeResult) =>
    valid && baseline.latenciesMs && m.latenciesMs ? addedLatency(baseline.latenciesMs, m.latenciesMs) : null;
  return {
    targetRps: rate,
    valid,
    problems,
    baseline,
    meshed,
    addedLatencyMs: added(meshed),
    addedLatencySpreadMs: valid ? pairedSpread(baseline.repetitions, meshed.repetitions) : null,
    proxies: [
      ...proxyResults(data, 'meshed', meshedWindows, meshed.actualRps),
      ...(l4 ? proxyResults(data, 'meshed-l4', l4Windows, l4.actualRps) : []),
    ],
    ...(l4
      ? {
          meshedL4: {
            result: l4,
            addedLatencyMs: added(l4),
            addedLatencySpreadMs: valid ? pairedSpread(baseline.repetitions, l4.repetitions) : null,
          },
        }
      : {}),
  };
}

/** The calibration: the delayed baseline against the baseline at the same rate, run back to back. */
export function calibrationResult(
  data: BenchRunData,
  thresholds: BenchThresholds = benchThresholds,
): CalibrationResult | null {
  const delayed = data.windows.filter((w) => w.mode === 'calibration');
  const rate = delayed[0]?.rateRps;
  if (rate === undefined) return null;
  const { calibrationDelayMs: delayMs } = data.config;
  const { cores } = data.environment;
  const base = modeResult('baseline', rate, windowsOf(data, rate, 'baseline'), cores, thresholds);
  const cal = modeResult('calibration', rate, windowsOf(data, rate, 'calibration'), cores, thresholds);
  const toleranceMs = Math.max(thresholds.calibrationRelative * delayMs, thresholds.calibrationAbsoluteMs);
  const pooledBase = summarizeLatency(
    pooled(windowsOf(data, rate, 'baseline').map((w) => w.latency)) ?? mergeLatencyHistograms([]),
  );
  const pooledCal = summarizeLatency(pooled(delayed.map((w) => w.latency)) ?? mergeLatencyHistograms([]));
  const measuredMs = round(pooledCal.p50Ms - pooledBase.p50Ms);
  const perRepetitionMs = cal.repetitions.flatMap((c) => {
    const b = base.repetitions.find((r) => r.repetition === c.repetition);
    return b ? [round(c.latenciesMs.p50 - b.latenciesMs.p50)] : [];
  });
  const valid = base.valid && cal.valid;
  // Judged against the wait the app itself measured where known: the nominal delay is only what
  // its timer was asked for, and a busy machine fires timers late, which no method should absorb.
  const waitedMs =
    data.calibrationWaitMs === undefined || data.calibrationWaitMs === null
      ? null
      : round(data.calibrationWaitMs);
  const expectedMs = waitedMs ?? delayMs;
  return {
    rateRps: rate,
    delayMs,
    waitedMs,
    measuredMs,
    measuredP90Ms: round(pooledCal.p90Ms - pooledBase.p90Ms),
    toleranceMs,
    perRepetitionMs,
    valid,
    passed: valid && Math.abs(measuredMs - expectedMs) <= toleranceMs,
  };
}

function pathSelfCheck(data: BenchRunData): SelfCheck {
  const hasL4 = data.paths['meshed-l4'] !== undefined;
  const want = `baseline reaches the app without an identity; meshed requests arrive over mTLS as ${data.pathCheck?.expectedIdentity ?? 'the caller'}${hasL4 ? '; L4-only (meshed-l4) requests arrive without the identity the waypoint writes (no waypoint on that path)' : ''}`;
  const check = data.pathCheck;
  if (!check) return { name: 'path', status: 'not-run', want, got: 'not verified on this platform' };
  // A waypoint that also served the L4 Service, or an L4 path that never answered, must fail.
  const l4Passed = !hasL4 || (check.meshedL4?.status === 200 && check.meshedL4.identity === null);
  const passed =
    check.baseline.status === 200 &&
    check.baseline.identity === null &&
    check.meshed.status === 200 &&
    check.meshed.identity === check.expectedIdentity &&
    l4Passed;
  const l4Got = hasL4
    ? `; meshed-l4: ${check.meshedL4 ? `${check.meshedL4.status}, identity ${check.meshedL4.identity ?? 'none'}` : 'not probed'}`
    : '';
  return {
    name: 'path',
    status: passed ? 'passed' : 'failed',
    want,
    got: `baseline: ${check.baseline.status}, identity ${check.baseline.identity ?? 'none'}; meshed: ${check.meshed.status}, identity ${check.meshed.identity ?? 'none'}${l4Got}`,
  };
}

function headroomSelfCheck(data: BenchRunData, thresholds: BenchThresholds): SelfCheck {
  const want = `every window: achieved ≥ ${percent(thresholds.minAchievedRatio)} of the target, no dropped arrivals, ≤ ${percent(thresholds.maxErrorRatio)} errors, generator event loop ≤ ${percent(thresholds.maxEventLoopUtilization)} busy`;
  const invalid = data.windows.flatMap((w) => {
    const problems = windowProblems(w, thresholds);
    return problems.length > 0 ? [`${w.rateRps} rps ${w.mode} #${w.repetition}: ${problems.join('; ')}`] : [];
  });
  if (data.windows.length === 0)
    return { name: 'headroom', status: 'not-run', want, got: 'no window measured' };
  return {
    name: 'headroom',
    status: invalid.length === 0 ? 'passed' : 'failed',
    want,
    got:
      invalid.length === 0
        ? `all ${data.windows.length} windows within headroom`
        : `${invalid.length} of ${data.windows.length} windows invalid: ${invalid.slice(0, 4).join(' | ')}${invalid.length > 4 ? ' | …' : ''}`,
  };
}

function calibrationSelfCheck(calibration: CalibrationResult | null, data: BenchRunData): SelfCheck {
  if (!calibration) {
    return {
      name: 'calibration',
      status: 'not-run',
      want: 'a known delay D measured as added latency D (run with --calibrate)',
      got: 'not run',
    };
  }
  const expected =
    calibration.waitedMs === null
      ? `${calibration.delayMs}`
      : `${calibration.waitedMs} (what the app measured it waited; nominal ${calibration.delayMs})`;
  const want = `a ${calibration.delayMs} ms delay (${data.paths.calibration}) measured at ${calibration.rateRps} rps as added p50 latency ${expected} ± ${calibration.toleranceMs} ms`;
  const got = `${calibration.measuredMs} ms (per repetition: ${calibration.perRepetitionMs.join(', ')} ms; p90 shift ${calibration.measuredP90Ms} ms)${calibration.valid ? '' : '; calibration windows invalid (see headroom)'}`;
  return { name: 'calibration', status: calibration.passed ? 'passed' : 'failed', want, got };
}

/** The worst spread between repetitions of p50 over the valid points: printed, judged only on clusters. */
function repetitionSpreads(points: readonly RatePoint[]): { label: string; spread: Spread }[] {
  return points.flatMap((p) =>
    [p.baseline, p.meshed, ...(p.meshedL4 ? [p.meshedL4.result] : [])].flatMap((m) =>
      m.spreadMs ? [{ label: `${m.mode} at ${p.targetRps} rps`, spread: m.spreadMs.p50 }] : [],
    ),
  );
}

const describeSpread = (s: { label: string; spread: Spread }) =>
  `${s.label}: p50 ${s.spread.min}–${s.spread.max} ms (${percent(s.spread.relative)})`;

/** Passed when every spread is within the limit; the got line names the worst, or every one outside. */
function judgeSpreads<T extends { spread: { relative: number } }>(
  items: readonly T[],
  describe: (item: T) => string,
  limit: number,
): Pick<SelfCheck, 'status' | 'got'> {
  const failing = items.filter((s) => s.spread.relative > limit);
  const worst = [...items].sort((x, y) => y.spread.relative - x.spread.relative)[0];
  return failing.length === 0
    ? { status: 'passed', got: `worst ${worst ? describe(worst) : 'n/a'}` }
    : {
        status: 'failed',
        got: `${failing.length} of ${items.length} outside: ${failing.map(describe).join('; ')}`,
      };
}

/**
 * Repeatability: the p50 of two runs agree within 10%. A sliced (local) run is compared as two
 * interleaved runs, its odd- and its even-numbered slices, each a complete benchmark of every
 * point over the whole run with half the data: that judges the run's own noise, not how the
 * machine changes between runs (`meshproof diff` of two runs does). The spread between the
 * repetitions (three ways, a third of the data each) is printed beside it. Unsliced (cluster)
 * runs measure every repetition as a separate run, and compare the repetitions.
 */
function repeatabilitySelfCheck(
  points: readonly RatePoint[],
  config: BenchRunData['config'],
  sliced: boolean,
  thresholds: BenchThresholds,
): SelfCheck {
  const limit = percent(thresholds.maxP50Spread);
  const repetitions = repetitionSpreads(points);
  if (!sliced) {
    const want = `p50 of two runs within ${limit} at every valid point: each repetition is a separate run, and all of them are compared ((max − min) / min)`;
    if (config.repetitions < 2)
      return { name: 'repeatability', status: 'not-run', want, got: 'one repetition: nothing to compare' };
    if (repetitions.length === 0)
      return { name: 'repeatability', status: 'not-run', want, got: 'no valid point to compare' };
    const judged = judgeSpreads(repetitions, describeSpread, thresholds.maxP50Spread);
    return { name: 'repeatability', status: judged.status, want, got: judged.got };
  }
  const want = `p50 of the run's two interleaved halves within ${limit} at every valid point: its odd- and even-numbered slices, each measuring every rate, mode and repetition over the whole run (a change of the machine between runs does not show here: compare runs with meshproof diff)`;
  const halves = points.flatMap((p) =>
    [p.baseline, p.meshed].flatMap((m) =>
      m.halvesP50Ms ? [{ label: `${m.mode} at ${p.targetRps} rps`, spread: m.halvesP50Ms }] : [],
    ),
  );
  if (halves.length === 0)
    return { name: 'repeatability', status: 'not-run', want, got: 'no valid point to compare' };
  const describe = (h: (typeof halves)[number]) =>
    `${h.label}: p50 ${h.spread.first} vs ${h.spread.second} ms (${percent(h.spread.relative)})`;
  const judged = judgeSpreads(halves, describe, thresholds.maxP50Spread);
  const worstRepetition = judgeSpreads(repetitions, describeSpread, Number.POSITIVE_INFINITY).got;
  const between =
    repetitions.length > 0 ? `; between repetitions (printed, not judged): ${worstRepetition}` : '';
  return { name: 'repeatability', status: judged.status, want, got: `${judged.got}${between}` };
}

function capacityWithRatio(
  capacity: DriverCapacity | null,
): (DriverCapacity & { ratio: number | null }) | null {
  if (!capacity) return null;
  const ratio =
    'requestsPerSecond' in capacity.wrk && capacity.wrk.requestsPerSecond > 0
      ? round(capacity.driver.requestsPerSecond / capacity.wrk.requestsPerSecond, 3)
      : null;
  return { ...capacity, ratio };
}

/** Builds bench.json from what a run observed (pure: the same data always gives the same report). */
export function buildBenchReport(
  data: BenchRunData,
  thresholds: BenchThresholds = benchThresholds,
): BenchReport {
  const { config } = data;
  const results = config.rates.map((rate) => ratePoint(data, rate, thresholds));
  const calibration = calibrationResult(data, thresholds);
  const selfChecks = [
    pathSelfCheck(data),
    headroomSelfCheck(data, thresholds),
    calibrationSelfCheck(calibration, data),
    repeatabilitySelfCheck(results, config, data.halves.length > 0, thresholds),
  ];
  return {
    apiVersion: 'meshproof.dev/v1alpha1',
    kind: 'SidecarOverheadBenchmark',
    runId: data.runId,
    startedAt: data.startedAt,
    finishedAt: data.finishedAt,
    passed: selfChecks.every((c) => c.status !== 'failed'),
    environment: data.environment,
    testConfig: {
      rates: config.rates,
      durationSeconds: config.durationMs / 1000,
      slices: config.slices,
      warmupSeconds: config.warmupMs / 1000,
      repetitions: config.repetitions,
      connections: config.connections,
      payloadBytes: config.payloadBytes,
      timeoutMs: config.timeoutMs,
      maxInFlight: config.maxInFlight,
      lateAfterMs: config.lateAfterMs,
      loadGenerator:
        config.platform === 'local'
          ? 'meshproof open-loop driver (undici): constant arrival rate, latency from the intended send time'
          : 'k6 constant-arrival-rate executor (dropped iterations counted)',
      order:
        config.slices > 1
          ? `each window measured as ${config.slices} slices of ${config.durationMs / config.slices / 1000} s; slices outermost, then repetitions, then rates ascending, so that every repetition samples the whole run; the modes of a rate back to back, their order alternating`
          : 'repetitions outermost, then rates ascending; within a repetition the modes of a rate run back to back, their order alternating between repetitions',
      calibration: calibration ? { delayMs: calibration.delayMs, rateRps: calibration.rateRps } : null,
    },
    paths: data.paths,
    results,
    calibration,
    selfChecks,
    driverCapacity: capacityWithRatio(data.capacity),
    otherLoadMillicores: roundAvgMax(
      avgMax(
        data.windows
          .map((w) => otherLoadMillicores(w, data.environment.cores))
          .filter((v): v is number => v !== null),
      ),
      0,
    ),
    thresholds,
    referenceNumbers:
      data.paths['meshed-l4'] !== undefined
        ? [...ambientReferenceNumbers, ...referenceNumbers]
        : referenceNumbers,
    notes: data.notes,
  };
}

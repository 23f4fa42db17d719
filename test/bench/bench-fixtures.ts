import { benchConfigFromFlags } from '../../lib/bench/bench-options.ts';
import { type BenchReport, buildBenchReport } from '../../lib/bench/bench-report.ts';
import type {
  BenchHalf,
  BenchMode,
  BenchRunData,
  BenchWindow,
  DriverCapacity,
} from '../../lib/bench/bench-types.ts';
import type { ResourceUsage } from '../../lib/bench/proc-stats.ts';
import { createLatencyHistogram, type LatencyHistogram, recordLatencyMs } from '../../lib/stats/histogram.ts';

/**
 * A small, deterministic benchmark for the report tests, built with the real report builder from
 * windows shaped like a local run's (reports/bench/…-bench-reference-b436): three rates, two
 * repetitions, a calibration, and one window without headroom (meshed at 1000 rps, repetition 2,
 * achieved 960 rps), so the 1000 rps point is invalid and the headroom self-check fails.
 */

/** Latency quantiles of a window in ms; the histogram is drawn through them. */
interface Shape {
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * A histogram of `count` requests whose quantiles follow `shape`: 200 evenly spaced quantiles,
 * linear between the given ones, each holding count / 200 requests (no randomness).
 */
function histogramOf(shape: Shape, count: number): LatencyHistogram {
  const histogram = createLatencyHistogram();
  const steps = 200;
  const knots: readonly (readonly [number, number])[] = [
    [0, shape.min],
    [0.5, shape.p50],
    [0.9, shape.p90],
    [0.99, shape.p99],
    [1, shape.max],
  ];
  for (let i = 0; i < steps; i++) {
    const q = (i + 0.5) / steps;
    const upper = knots.findIndex(([at]) => at >= q);
    const [q0, v0] = knots[upper - 1] ?? [0, shape.min];
    const [q1, v1] = knots[upper] ?? [1, shape.max];
    recordLatencyMs(histogram, v0 + ((q - q0) / (q1 - q0)) * (v1 - v0), count / steps);
  }
  return histogram;
}

const scaled = (shape: Shape, factor: number): Shape => ({
  min: shape.min * factor,
  p50: shape.p50 * factor,
  p90: shape.p90 * factor,
  p99: shape.p99 * factor,
  max: shape.max * factor,
});

const usage = (cpu: number, memory: number): ResourceUsage => ({
  cpuMillicores: { avg: cpu, max: Math.round(cpu * 1.5) },
  memoryMiB: { avg: memory, max: memory + 0.1 },
  samples: 20,
});

/** Latency per rate and mode, roughly as measured on a 2-core machine with haproxy sidecars. */
const shapes: Readonly<Record<number, Readonly<Partial<Record<BenchMode, Shape>>>>> = {
  100: {
    baseline: { min: 0.36, p50: 0.68, p90: 1.04, p99: 1.54, max: 15.5 },
    meshed: { min: 0.51, p50: 0.92, p90: 1.38, p99: 2.24, max: 19.8 },
    calibration: { min: 2.36, p50: 2.68, p90: 3.04, p99: 3.54, max: 17.5 },
  },
  500: {
    baseline: { min: 0.14, p50: 0.4, p90: 0.84, p99: 2.47, max: 21.4 },
    meshed: { min: 0.25, p50: 0.68, p90: 1.02, p99: 5.67, max: 52.9 },
    calibration: { min: 2.14, p50: 2.4, p90: 2.84, p99: 4.47, max: 23.4 },
  },
  1000: {
    baseline: { min: 0.14, p50: 0.27, p90: 0.51, p99: 3.95, max: 18.8 },
    meshed: { min: 0.23, p50: 0.54, p90: 0.78, p99: 11.2, max: 45.5 },
    calibration: { min: 2.14, p50: 2.27, p90: 2.51, p99: 5.95, max: 20.8 },
  },
};

function shapeOf(rate: number, mode: BenchMode): Shape {
  const shape = shapes[rate]?.[mode];
  if (!shape) throw new Error(`the bench fixture has no latency for ${mode} at ${rate} rps`);
  return shape;
}

/** Proxy CPU (millicores) per rate: client sidecar, server sidecar. */
const proxyCpu: Readonly<Record<number, readonly [number, number]>> = {
  100: [14.7, 17.3],
  500: [51.6, 72.6],
  1000: [81.3, 119.6],
};

const durationMs = 10_000;

function fixtureWindow(
  rateRps: number,
  mode: BenchMode,
  repetition: number,
  overrides: Partial<BenchWindow> = {},
): BenchWindow {
  const sent = (rateRps * durationMs) / 1000;
  // The second repetition a little slower: the spread the repeatability check compares.
  const shape = scaled(shapeOf(rateRps, mode), 1 + (repetition - 1) * 0.04);
  const [client, server] = proxyCpu[rateRps] ?? [0, 0];
  return {
    rateRps,
    mode,
    repetition,
    scheduled: sent,
    sent,
    ok: sent,
    errors: 0,
    errorKinds: {},
    dropped: 0,
    late: Math.round(sent / 500),
    elapsedMs: durationMs,
    achievedRps: rateRps,
    latency: histogramOf(shape, sent),
    serviceTime: histogramOf(scaled(shape, 0.7), sent),
    sendLag: histogramOf({ min: 0.02, p50: 0.15, p90: 0.3, p99: 0.8, max: 6 }, sent),
    generator: { cpuMillicores: 40 + rateRps * 0.18, eventLoopUtilization: 0.03 + rateRps * 0.00015 },
    proxies:
      mode === 'meshed'
        ? { 'client-sidecar': usage(client, 24.6), 'server-sidecar': usage(server, 25.1) }
        : {},
    app: usage(20 + rateRps * 0.08, 41.5),
    machineBusy: 0.05 + rateRps * 0.0002,
    ...overrides,
  };
}

/** The windows in run order: repetitions outermost, then rates; the modes' order alternating. */
function fixtureWindows(): BenchWindow[] {
  return [1, 2].flatMap((repetition) =>
    [100, 500, 1000].flatMap((rate) => {
      const modes: BenchMode[] = repetition === 1 ? ['baseline', 'meshed'] : ['meshed', 'baseline'];
      if (rate === 100) modes.splice(1, 0, 'calibration');
      return modes.map((mode) =>
        rate === 1000 && mode === 'meshed' && repetition === 2
          ? fixtureWindow(rate, mode, repetition, { achievedRps: 960, ok: 9_600, sent: 9_600, dropped: 400 })
          : fixtureWindow(rate, mode, repetition),
      );
    }),
  );
}

/** The run's two interleaved halves (odd and even slices): the even ones 3% slower. */
function fixtureHalves(): BenchHalf[] {
  return [100, 500, 1000].flatMap((rateRps) =>
    (['baseline', 'meshed', ...(rateRps === 100 ? ['calibration' as const] : [])] as const).flatMap((mode) =>
      ([1, 2] as const).map((half) => ({
        rateRps,
        mode,
        half,
        latency: histogramOf(scaled(shapeOf(rateRps, mode), half === 1 ? 1 : 1.03), rateRps * 10),
      })),
    ),
  );
}

const capacity: DriverCapacity = {
  target: 'haproxy answering 1024 B from memory (1 thread) on 127.0.0.1',
  connections: 16,
  durationMs: 5000,
  driver: {
    requestsPerSecond: 36_939,
    errors: 0,
    p50Ms: 0.299,
    p99Ms: 1.298,
    generatorCpuMillicores: 1163,
    targetCpuMillicores: 426,
    eventLoopUtilization: 1,
  },
  wrk: {
    version: '4.1.0',
    threads: 1,
    requestsPerSecond: 112_520,
    errors: 0,
    p50Ms: 0.121,
    p99Ms: 0.31,
    generatorCpuMillicores: 895,
    targetCpuMillicores: 987,
  },
};

/** What the fixture run observed: the input of {@link buildBenchReport}. */
export function fixtureBenchRunData(): BenchRunData {
  const config = benchConfigFromFlags(
    { rates: '100,500,1000', repeat: '2', calibrate: true },
    { mesh: 'reference', platform: 'local', output: 'reports', installMesh: false },
  );
  return {
    runId: '20261121-154424-bench-reference-fixture',
    startedAt: '2026-11-21T15:44:24.757Z',
    finishedAt: '2026-11-21T15:48:36.768Z',
    config,
    environment: {
      platform: 'local',
      mesh: 'reference',
      meshVersion: 'haproxy 2.6.12',
      proxy: { name: 'haproxy', version: '2.6.12' },
      cores: 2,
      cpuModel: 'Intel(R) Xeon(R) Processor',
      os: 'Linux 6.18',
      node: 'v24.21.0',
      harnessVersion: '0.1.0',
      loadAverageAtStart: [1.92, 1.99, 1.82],
    },
    paths: {
      baseline: 'load generator → server-v1’s echo app directly: no sidecars, no mTLS',
      meshed:
        'load generator → client’s haproxy sidecar → mTLS → server-v1’s haproxy sidecar → server-v1’s echo app',
      calibration: 'the baseline path with x-echo-delay-ms: 2 (the echo app waits 2 ms before answering)',
    },
    pathCheck: {
      baseline: { status: 200, identity: null },
      meshed: { status: 200, identity: 'spiffe://cluster.local/ns/meshproof/sa/client' },
      expectedIdentity: 'spiffe://cluster.local/ns/meshproof/sa/client',
    },
    proxyNames: { 'client-sidecar': 'haproxy (client)', 'server-sidecar': 'haproxy (server-v1)' },
    windows: fixtureWindows(),
    halves: fixtureHalves(),
    capacity,
    notes: ['Access logs are off in every sidecar for the benchmark.'],
  };
}

/** bench.json of the fixture run: the 1000 rps point invalid, the other self-checks passed. */
export function fixtureBenchReport(): BenchReport {
  return buildBenchReport(fixtureBenchRunData());
}

/** The fixture benchmark as a second run whose pooled p50 at one point moved by `factor`. */
export function movedFixtureBenchReport(
  rate: number,
  mode: 'baseline' | 'meshed',
  factor: number,
  runId = 'candidate-run',
): BenchReport {
  const report = fixtureBenchReport();
  return {
    ...report,
    runId,
    results: report.results.map((point) => {
      const latencies = point[mode].latenciesMs;
      if (point.targetRps !== rate || !latencies) return point;
      return {
        ...point,
        [mode]: { ...point[mode], latenciesMs: { ...latencies, p50: latencies.p50 * factor } },
      };
    }),
  };
}

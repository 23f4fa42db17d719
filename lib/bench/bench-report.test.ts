import { describe, expect, it } from 'vitest';
import { fixtureBenchRunData } from '../../test/bench/bench-fixtures.ts';
import { createLatencyHistogram, decodeLatencyHistogram, recordLatencyMs } from '../stats/histogram.ts';
import { renderBenchMarkdown } from './bench-markdown.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import { benchThresholds, buildBenchReport, windowProblems } from './bench-report.ts';
import type { BenchMode, BenchRunData, BenchWindow, DriverCapacity } from './bench-types.ts';
import type { ResourceUsage } from './proc-stats.ts';

function histogramOf(valuesMs: readonly number[]) {
  const h = createLatencyHistogram();
  for (const v of valuesMs) recordLatencyMs(h, v);
  return h;
}

const usage = (cpu: number, memory: number): ResourceUsage => ({
  cpuMillicores: { avg: cpu, max: cpu * 1.5 },
  memoryMiB: { avg: memory, max: memory + 1 },
  samples: 10,
});

/** A healthy window whose every request took `ms` (100 requests), unless told otherwise. */
function window(
  rateRps: number,
  mode: BenchMode,
  repetition: number,
  ms: number | readonly number[],
  overrides: Partial<BenchWindow> = {},
): BenchWindow {
  const values = typeof ms === 'number' ? Array.from({ length: 100 }, () => ms) : ms;
  return {
    rateRps,
    mode,
    repetition,
    scheduled: values.length,
    sent: values.length,
    ok: values.length,
    errors: 0,
    errorKinds: {},
    dropped: 0,
    late: 0,
    elapsedMs: 10_000,
    achievedRps: rateRps,
    latency: histogramOf(values),
    serviceTime: histogramOf(values.map((v) => v * 0.9)),
    sendLag: histogramOf(values.map(() => 0.1)),
    generator: { cpuMillicores: 150, eventLoopUtilization: 0.2 },
    proxies: mode === 'meshed' ? { 'client-sidecar': usage(100, 24), 'server-sidecar': usage(120, 25) } : {},
    app: usage(80, 40),
    machineBusy: 0.4,
    ...overrides,
  };
}

const config = benchConfigFromFlags(
  { rates: '100,500', repeat: '2', calibrate: true, duration: '10s' },
  {
    mesh: 'reference',
    platform: 'local',
    output: 'reports',
    installMesh: false,
  },
);

/** The fixture run's environment and paths around these windows and this configuration. */
function run(windows: readonly BenchWindow[], overrides: Partial<BenchRunData> = {}): BenchRunData {
  return { ...fixtureBenchRunData(), config, windows, halves: [], capacity: null, ...overrides };
}

/** Both rates, two repetitions, baseline 1.0 ms, meshed 1.3 ms, calibration 3.051 ms (above 2.048 ms the histogram resolves 2 µs). */
function healthyWindows(): BenchWindow[] {
  return [1, 2].flatMap((rep) => [
    window(100, 'baseline', rep, 1),
    window(100, 'calibration', rep, 3.051),
    window(100, 'meshed', rep, 1.3),
    window(500, 'baseline', rep, 0.8),
    window(500, 'meshed', rep, 1.2),
  ]);
}

describe('a healthy run', () => {
  const report = buildBenchReport(run(healthyWindows()));

  it('passes every self-check', () => {
    expect(report.passed).toBe(true);
    expect(report.selfChecks.map((c) => [c.name, c.status])).toEqual([
      ['path', 'passed'],
      ['headroom', 'passed'],
      ['calibration', 'passed'],
      ['repeatability', 'passed'],
    ]);
  });

  it('reports the added latency meshed − baseline per percentile, pooled over repetitions', () => {
    const [at100, at500] = report.results;
    expect(at100?.addedLatencyMs).toMatchObject({ p50: 0.3, p90: 0.3, p99: 0.3, p999: 0.3, max: 0.3 });
    expect(at500?.addedLatencyMs).toMatchObject({ p50: 0.4, p90: 0.4 });
    expect(at100?.addedLatencySpreadMs?.p50).toEqual({ min: 0.3, max: 0.3 });
    expect(at100?.baseline.latenciesMs).toEqual({ min: 1, avg: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 });
    expect(at100?.baseline.requests).toBe(200);
  });

  it('reports each proxy with CPU per 1000 rps of the achieved rate', () => {
    const [, at500] = report.results;
    expect(at500?.proxies).toEqual([
      {
        role: 'client-sidecar',
        mode: 'meshed',
        name: 'haproxy (client)',
        cpuMillicores: { avg: 100, max: 150 },
        memoryMiB: { avg: 24, max: 25 },
        cpuMillicoresPer1000Rps: 200,
        published: null,
      },
      {
        role: 'server-sidecar',
        mode: 'meshed',
        name: 'haproxy (server-v1)',
        cpuMillicores: { avg: 120, max: 180 },
        memoryMiB: { avg: 25, max: 26 },
        cpuMillicoresPer1000Rps: 240,
        published: null,
      },
    ]);
  });

  it("says how much CPU other processes took: the machine's busy share minus the benchmark's own", () => {
    // 40% of 2 cores = 800 millicores; meshed: generator 150 + proxies 220 + app 80.
    expect(report.results[0]?.meshed.otherLoadMillicores).toEqual({ avg: 350, max: 350 });
    expect(report.results[0]?.baseline.otherLoadMillicores).toEqual({ avg: 570, max: 570 });
    expect(report.otherLoadMillicores?.max).toBe(570);
    expect(renderBenchMarkdown(report)).toContain('Other processes on this machine used on average');
  });

  it('measures the calibration delay against the baseline at the same rate', () => {
    expect(report.calibration).toMatchObject({
      rateRps: 100,
      delayMs: 2,
      measuredMs: 2.051,
      toleranceMs: 0.2,
      passed: true,
    });
    expect(report.calibration?.perRepetitionMs).toEqual([2.051, 2.051]);
  });

  it('carries the test configuration in Service Mesh Performance terms and the pooled histogram', () => {
    expect(report.testConfig).toMatchObject({
      rates: [100, 500],
      durationSeconds: 10,
      repetitions: 2,
      payloadBytes: 1024,
    });
    const pooled = decodeLatencyHistogram(report.results[0]?.meshed.histogram ?? '');
    expect(pooled.totalCount).toBe(200);
  });

  it('renders bench.md with the self-checks, signed added latency and the proxies', () => {
    const markdown = renderBenchMarkdown(report);
    expect(markdown).toContain('**Self-checks passed**');
    expect(markdown).toContain('| calibration | ✓ passed |');
    expect(markdown).toContain(
      '| 100 | +0.300 | +0.300 | +0.300 | +0.300 | +0.300 | +0.300 … +0.300 | +0.300 … +0.300 |',
    );
    expect(markdown).toContain('| 500 | haproxy (client) | 100.0 | 150.0 | 200.0 | 24.0 | 25.0 |');
    expect(markdown).toContain('measured as **+2.051 ms** at p50');
  });
});

describe('self-checks that fail', () => {
  it('marks a point invalid instead of reporting its latency when a window lacks headroom', () => {
    const windows = healthyWindows().map((w) =>
      w.rateRps === 500 && w.mode === 'meshed' && w.repetition === 2 ? { ...w, achievedRps: 480 } : w,
    );
    const report = buildBenchReport(run(windows));
    const at500 = report.results[1];
    expect(at500?.valid).toBe(false);
    expect(at500?.addedLatencyMs).toBeNull();
    expect(at500?.meshed.latenciesMs).toBeNull();
    expect(at500?.problems).toEqual(['meshed, repetition 2: achieved 480 rps, below 99% of 500']);
    expect(report.selfChecks.find((c) => c.name === 'headroom')).toMatchObject({ status: 'failed' });
    expect(report.passed).toBe(false);
    expect(renderBenchMarkdown(report)).toContain('| 500 | invalid: meshed, repetition 2: achieved 480 rps');
  });

  it('names every way a window can lack headroom', () => {
    const w = window(1000, 'meshed', 1, 1, {
      scheduled: 10_000,
      sent: 9_990,
      dropped: 10,
      late: 200,
      errors: 30,
      errorKinds: { 'status 503': 20, timeout: 10 },
      generator: { cpuMillicores: 900, eventLoopUtilization: 0.95 },
    });
    expect(windowProblems(w, benchThresholds)).toEqual([
      '10 of 10000 arrivals dropped (no free connection or VU)',
      '30 errors (status 503: 20, timeout: 10)',
      "the load generator's event loop was 95% busy (saturated)",
    ]);
    // Late sends are in the latency (timed from the intended send): reported, not disqualifying.
    expect(windowProblems({ ...window(100, 'meshed', 1, 1), late: 50 })).toEqual([]);
    // k6 windows know no event-loop load: not judged on it.
    expect(
      windowProblems({
        ...window(100, 'meshed', 1, 1),
        late: null,
        generator: { cpuMillicores: null, eventLoopUtilization: null },
      }),
    ).toEqual([]);
  });

  it('fails calibration when the known delay is not measured as such', () => {
    const windows = healthyWindows().map((w) =>
      w.mode === 'calibration' ? window(100, 'calibration', w.repetition, 3.3) : w,
    );
    const report = buildBenchReport(run(windows));
    expect(report.calibration).toMatchObject({ measuredMs: 2.301, passed: false });
    expect(report.selfChecks.find((c) => c.name === 'calibration')?.status).toBe('failed');
  });

  it("judges calibration against what the app measured it waited: a busy machine's late timer is not the method's error", () => {
    const windows = healthyWindows().map((w) =>
      w.mode === 'calibration' ? window(100, 'calibration', w.repetition, 3.3) : w,
    );
    const late = buildBenchReport({ ...run(windows), calibrationWaitMs: 2.27 });
    expect(late.calibration).toMatchObject({ measuredMs: 2.301, waitedMs: 2.27, passed: true });
    expect(late.selfChecks.find((c) => c.name === 'calibration')?.want).toContain(
      '2.27 (what the app measured',
    );
    // The method still has to find the delay the app says it waited.
    const missed = buildBenchReport({ ...run(healthyWindows()), calibrationWaitMs: 2.6 });
    expect(missed.calibration).toMatchObject({ measuredMs: 2.051, passed: false });
  });

  it('without halves (clusters: every repetition a run of its own), fails repeatability when the p50 of two repetitions differ by more than 10%', () => {
    const windows = healthyWindows().map((w) =>
      w.rateRps === 500 && w.mode === 'baseline' && w.repetition === 2 ? window(500, 'baseline', 2, 0.9) : w,
    );
    const report = buildBenchReport(run(windows));
    expect(report.results[1]?.baseline.spreadMs?.p50).toEqual({ min: 0.8, max: 0.9, relative: 0.125 });
    const check = report.selfChecks.find((c) => c.name === 'repeatability');
    expect(check).toMatchObject({ status: 'failed' });
    expect(check?.got).toContain('baseline at 500 rps: p50 0.8–0.9 ms (12.5%)');
  });

  /** The run's halves: every point at `ms`, except where `override` says otherwise. */
  function halves(override: (rate: number, mode: BenchMode, half: 1 | 2) => number | undefined) {
    return [100, 500].flatMap((rate) =>
      (['baseline', 'meshed'] as const).flatMap((mode) =>
        ([1, 2] as const).map((half) => ({
          rateRps: rate,
          mode,
          half,
          latency: histogramOf(
            Array.from({ length: 50 }, () => override(rate, mode, half) ?? (mode === 'meshed' ? 1.3 : 1)),
          ),
        })),
      ),
    );
  }

  it('with halves (sliced runs), judges the p50 of the two halves and prints the spread between repetitions', () => {
    const windows = healthyWindows().map((w) =>
      w.rateRps === 500 && w.mode === 'baseline' && w.repetition === 2 ? window(500, 'baseline', 2, 0.9) : w,
    );
    const agreeing = buildBenchReport(
      run(windows, {
        halves: halves((rate, mode, half) =>
          rate === 500 && mode === 'baseline' && half === 2 ? 1.09 : undefined,
        ),
      }),
    );
    expect(agreeing.results[1]?.baseline.halvesP50Ms).toEqual({ first: 1, second: 1.09, relative: 0.09 });
    const passed = agreeing.selfChecks.find((c) => c.name === 'repeatability');
    expect(passed).toMatchObject({ status: 'passed' });
    expect(passed?.want).toContain("the run's two interleaved halves within 10%");
    expect(passed?.want).toContain('compare runs with meshproof diff');
    expect(passed?.got).toContain('worst baseline at 500 rps: p50 1 vs 1.09 ms (9%)');
    expect(passed?.got).toContain(
      'between repetitions (printed, not judged): worst baseline at 500 rps: p50 0.8–0.9 ms (12.5%)',
    );

    const disagreeing = buildBenchReport(
      run(windows, {
        halves: halves((rate, mode, half) =>
          rate === 100 && mode === 'meshed' && half === 1 ? 1.45 : undefined,
        ),
      }),
    );
    const failed = disagreeing.selfChecks.find((c) => c.name === 'repeatability');
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed?.got).toContain('1 of 4 outside: meshed at 100 rps: p50 1.45 vs 1.3 ms (11.5%)');
    expect(disagreeing.passed).toBe(false);
  });

  it('fails the path check when meshed requests arrive without the caller identity', () => {
    const report = buildBenchReport(
      run(healthyWindows(), {
        pathCheck: {
          baseline: { status: 200, identity: null },
          meshed: { status: 200, identity: null },
          expectedIdentity: 'spiffe://cluster.local/ns/meshproof/sa/client',
        },
      }),
    );
    expect(report.selfChecks[0]).toMatchObject({ name: 'path', status: 'failed' });
    expect(report.passed).toBe(false);
  });
});

describe('what is not run is said, not failed', () => {
  it('skips repeatability with one repetition and calibration without --calibrate', () => {
    const windows = [window(100, 'baseline', 1, 1), window(100, 'meshed', 1, 1.2)];
    const report = buildBenchReport(
      run(windows, { config: { ...config, rates: [100], repetitions: 1, calibrate: false } }),
    );
    expect(report.selfChecks.map((c) => [c.name, c.status])).toEqual([
      ['path', 'passed'],
      ['headroom', 'passed'],
      ['calibration', 'not-run'],
      ['repeatability', 'not-run'],
    ]);
    expect(report.passed).toBe(true);
    expect(report.calibration).toBeNull();
  });
});

describe('driver capacity', () => {
  it('states the ratio of the driver to wrk', () => {
    const capacity: DriverCapacity = {
      target: 'haproxy',
      connections: 16,
      durationMs: 5000,
      driver: {
        requestsPerSecond: 30_000,
        errors: 0,
        p50Ms: 0.3,
        p99Ms: 1.5,
        generatorCpuMillicores: 1000,
        targetCpuMillicores: 300,
        eventLoopUtilization: 1,
      },
      wrk: {
        version: '4.1.0',
        threads: 1,
        requestsPerSecond: 120_000,
        errors: 0,
        p50Ms: 0.1,
        p99Ms: 0.3,
        generatorCpuMillicores: 950,
        targetCpuMillicores: 700,
      },
    };
    const report = buildBenchReport(run(healthyWindows(), { capacity }));
    expect(report.driverCapacity?.ratio).toBe(0.25);
    const markdown = renderBenchMarkdown(report);
    expect(markdown).toContain('Ratio driver / wrk: **0.25**');
    expect(markdown).toContain(
      "The sweep's highest rate (500 rps) is 1.7% of the driver's maximum throughput.",
    );
  });
});

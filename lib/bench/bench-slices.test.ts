import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, recordLatencyMs, summarizeLatency } from '../stats/histogram.ts';
import { halvesFromSlices, mergeSlices, windowsFromSlices } from './bench-slices.ts';
import type { BenchWindow } from './bench-types.ts';

function slice(repetition: number, latencies: number[], overrides: Partial<BenchWindow> = {}): BenchWindow {
  const latency = createLatencyHistogram();
  for (const ms of latencies) recordLatencyMs(latency, ms);
  return {
    rateRps: 100,
    mode: 'meshed',
    repetition,
    scheduled: latencies.length,
    sent: latencies.length,
    ok: latencies.length,
    errors: 0,
    errorKinds: {},
    dropped: 0,
    late: 0,
    elapsedMs: 1_000,
    achievedRps: latencies.length,
    latency,
    serviceTime: null,
    sendLag: null,
    generator: { cpuMillicores: 100, eventLoopUtilization: 0.1 },
    proxies: {
      'client-sidecar': { cpuMillicores: { avg: 10, max: 20 }, memoryMiB: { avg: 24, max: 25 }, samples: 4 },
    },
    app: null,
    machineBusy: 0.2,
    ...overrides,
  };
}

describe('mergeSlices', () => {
  it('adds counts and histograms, weights averages by length, keeps maxima', () => {
    const merged = mergeSlices([
      slice(1, [1, 1, 1], { errors: 1, errorKinds: { 'status 503': 1 }, late: 2 }),
      slice(1, [3], {
        elapsedMs: 3_000,
        generator: { cpuMillicores: 300, eventLoopUtilization: 0.6 },
        proxies: {
          'client-sidecar': {
            cpuMillicores: { avg: 30, max: 50 },
            memoryMiB: { avg: 26, max: 27 },
            samples: 12,
          },
        },
      }),
    ]);
    expect(merged).toMatchObject({
      scheduled: 4,
      ok: 4,
      errors: 1,
      errorKinds: { 'status 503': 1 },
      late: 2,
      elapsedMs: 4_000,
      generator: { cpuMillicores: 250, eventLoopUtilization: 0.6 },
      proxies: {
        'client-sidecar': {
          cpuMillicores: { avg: 25, max: 50 },
          memoryMiB: { avg: 25.5, max: 27 },
          samples: 16,
        },
      },
    });
    expect(summarizeLatency(merged.latency).count).toBe(4);
    expect(summarizeLatency(merged.latency).maxMs).toBeGreaterThanOrEqual(3);
  });

  it('keeps "unknown" unknown: a slice that could not tell makes the merge unknown', () => {
    expect(mergeSlices([slice(1, [1]), slice(1, [1], { late: null })]).late).toBeNull();
  });
});

describe('windowsFromSlices', () => {
  it('groups slices by rate, mode and repetition, in the order they first ran', () => {
    const windows = windowsFromSlices([slice(1, [1]), slice(2, [2]), slice(1, [1]), slice(2, [2])]);
    expect(windows.map((w) => [w.repetition, w.ok])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('halvesFromSlices', () => {
  it('pools the odd- and the even-numbered slices of every window over the repetitions', () => {
    const measured = [1, 2].flatMap((repetition) =>
      [1, 2, 3, 4].map((n) => ({ slice: n, window: slice(repetition, [n % 2 === 1 ? 10 : 50]) })),
    );
    const halves = halvesFromSlices(measured, 4);
    const summary = (half: 1 | 2) =>
      summarizeLatency(halves.find((h) => h.half === half)?.latency ?? createLatencyHistogram());
    expect(halves.map((h) => [h.rateRps, h.mode, h.half])).toEqual([
      [100, 'meshed', 1],
      [100, 'meshed', 2],
    ]);
    expect([summary(1).count, summary(1).maxMs < 11, summary(2).count, summary(2).minMs > 49]).toEqual([
      4,
      true,
      4,
      true,
    ]);
  });

  it('has no halves when windows were not sliced', () => {
    expect(halvesFromSlices([{ slice: 1, window: slice(1, [1]) }], 1)).toEqual([]);
  });
});

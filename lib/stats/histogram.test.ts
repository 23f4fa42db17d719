import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  decodeLatencyHistogram,
  encodeLatencyHistogram,
  type LatencyHistogram,
  latencyBuckets,
  mergeLatencyHistograms,
  recordLatencyMs,
  summarizeLatency,
} from './histogram.ts';

/** 1 µs, 2 µs, …, 1000 µs: below 2.048 ms the histogram resolves single microseconds exactly. */
function microsecondRamp(): LatencyHistogram {
  const histogram = createLatencyHistogram();
  for (let us = 1; us <= 1000; us++) recordLatencyMs(histogram, us / 1000);
  return histogram;
}

describe('summarizeLatency', () => {
  it('gives exact percentiles where the histogram resolves every microsecond', () => {
    expect(summarizeLatency(microsecondRamp())).toEqual({
      count: 1000,
      minMs: 0.001,
      meanMs: 0.5005,
      p50Ms: 0.5,
      p90Ms: 0.9,
      p99Ms: 0.99,
      p999Ms: 0.999,
      maxMs: 1,
    });
  });

  it('keeps larger latencies to within 0.1%, never below the sample', () => {
    const histogram = createLatencyHistogram();
    for (let ms = 1; ms <= 10_000; ms++) recordLatencyMs(histogram, ms);
    const summary = summarizeLatency(histogram);
    const expected = { p50Ms: 5000, p90Ms: 9000, p99Ms: 9900, p999Ms: 9990, maxMs: 10_000 };
    for (const [key, value] of Object.entries(expected)) {
      const got = summary[key as keyof typeof expected];
      expect(got).toBeGreaterThanOrEqual(value);
      expect((got - value) / value).toBeLessThan(1e-3);
    }
    expect(summary.minMs).toBe(1);
    expect(Math.abs(summary.meanMs - 5000.5) / 5000.5).toBeLessThan(1e-3);
  });

  it('is all zeros for an empty histogram', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({
      count: 0,
      minMs: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
    });
  });
});

describe('recordLatencyMs', () => {
  it('rounds to the microsecond and records repeated samples', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, 0.0014);
    recordLatencyMs(histogram, 0.0016, 3);
    expect(summarizeLatency(histogram)).toMatchObject({ count: 4, minMs: 0.001, p50Ms: 0.002, maxMs: 0.002 });
  });

  it('records latencies beyond 60 s as 60 s', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, 120_000);
    const { count, maxMs } = summarizeLatency(histogram);
    expect(count).toBe(1);
    expect(Math.abs(maxMs - 60_000) / 60_000).toBeLessThan(1e-3);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects %f', (ms) => {
    expect(() => recordLatencyMs(createLatencyHistogram(), ms)).toThrow(RangeError);
  });
});

describe('mergeLatencyHistograms', () => {
  it('adds up the samples and leaves the inputs unchanged', () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    for (let i = 0; i < 900; i++) recordLatencyMs(fast, 1);
    for (let i = 0; i < 100; i++) recordLatencyMs(slow, 2);
    const merged = mergeLatencyHistograms([fast, slow]);
    expect(summarizeLatency(merged)).toMatchObject({
      count: 1000,
      minMs: 1,
      p50Ms: 1,
      p90Ms: 1,
      p99Ms: 2,
      maxMs: 2,
    });
    expect(summarizeLatency(merged).meanMs).toBeCloseTo(1.1, 12);
    expect(fast.totalCount).toBe(900);
    expect(slow.totalCount).toBe(100);
  });

  it('gives an empty histogram for no inputs', () => {
    expect(mergeLatencyHistograms([]).totalCount).toBe(0);
  });
});

describe('latencyBuckets', () => {
  it('counts samples per half-open band, with an open top band', () => {
    expect(latencyBuckets(microsecondRamp(), [0.5, 0.9, 1])).toEqual([
      { fromMs: 0, toMs: 0.5, count: 499 },
      { fromMs: 0.5, toMs: 0.9, count: 400 },
      { fromMs: 0.9, toMs: 1, count: 100 },
      { fromMs: 1, toMs: null, count: 1 },
    ]);
  });

  it('places a sample on a coarse edge in the band above it', () => {
    const histogram = createLatencyHistogram();
    recordLatencyMs(histogram, 99);
    recordLatencyMs(histogram, 100);
    recordLatencyMs(histogram, 101);
    expect(latencyBuckets(histogram, [100]).map((b) => b.count)).toEqual([1, 2]);
  });

  it('gives one band with everything for no edges', () => {
    expect(latencyBuckets(microsecondRamp(), [])).toEqual([{ fromMs: 0, toMs: null, count: 1000 }]);
  });

  it.each([[[10, 5]], [[0]], [[Number.NaN]], [[5, 5]]])('rejects edges %j', (edges) => {
    expect(() => latencyBuckets(createLatencyHistogram(), edges)).toThrow(RangeError);
  });
});

describe('encodeLatencyHistogram / decodeLatencyHistogram', () => {
  it('round-trips through HdrHistogram’s compressed base64 encoding', () => {
    const histogram = createLatencyHistogram();
    for (let ms = 0.5; ms < 3000; ms *= 1.01) recordLatencyMs(histogram, ms);
    recordLatencyMs(histogram, 42, 1000);
    const encoded = encodeLatencyHistogram(histogram);
    expect(encoded).toMatch(/^HISTF[A-Za-z0-9+/]+=*$/);
    const decoded = decodeLatencyHistogram(encoded);
    expect(summarizeLatency(decoded)).toEqual(summarizeLatency(histogram));
    const edges = [1, 10, 42, 43, 100, 1000];
    expect(latencyBuckets(decoded, edges)).toEqual(latencyBuckets(histogram, edges));
    // The decoded histogram is an ordinary one: it merges and re-encodes identically.
    expect(mergeLatencyHistograms([decoded]).totalCount).toBe(histogram.totalCount);
    expect(encodeLatencyHistogram(decoded)).toBe(encoded);
  });

  it('is compact', () => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < 100_000; i++) recordLatencyMs(histogram, 5 + (i % 1000) / 100);
    expect(encodeLatencyHistogram(histogram).length).toBeLessThan(4000);
  });

  it('rejects text that is not an encoded histogram', () => {
    expect(() => decodeLatencyHistogram('bm90IGEgaGlzdG9ncmFt')).toThrow();
  });
});

import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Int32Histogram,
  JsHistogram,
} from 'hdr-histogram-js';

/**
 * A latency histogram: HdrHistogram of integer microseconds from 1 µs to 60 s at 3 significant
 * digits (every value is kept to within 0.1%), pure JavaScript so it runs wherever Node does
 * without loading WebAssembly. It is mutable: record into it, then summarise or encode.
 */
export type LatencyHistogram = JsHistogram;

/** Summary of a latency histogram, in milliseconds. All zero when nothing was recorded. */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/** One band of {@link latencyBuckets}: values in [fromMs, toMs); toMs null for the open top band. */
export interface LatencyBucket {
  readonly fromMs: number;
  readonly toMs: number | null;
  readonly count: number;
}

const LOWEST_US = 1;
/** 60 s: a request slower than this has timed out for any purpose the harness has. */
const HIGHEST_US = 60_000_000;
const SIGNIFICANT_DIGITS = 3;

/** Creates an empty latency histogram (1 µs..60 s, 3 significant digits). */
export function createLatencyHistogram(): LatencyHistogram {
  // 32-bit counts allow 2^31 samples per bucket, far beyond any run; autoResize stays off so the
  // range, and with it the encoded size, is fixed.
  return new Int32Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS);
}

/**
 * Records a latency given in (fractional) milliseconds, rounded to the microsecond.
 * Latencies above 60 s are recorded as 60 s rather than rejected: they are timeouts, and the
 * count matters more than the exact duration.
 */
export function recordLatencyMs(histogram: LatencyHistogram, ms: number, count = 1): void {
  if (!(Number.isFinite(ms) && ms >= 0))
    throw new RangeError(`latency must be a finite number ≥ 0, got ${ms}`);
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a positive integer`);
  const us = Math.min(Math.round(ms * 1000), HIGHEST_US);
  histogram.recordValueWithCount(us, count);
}

/** A new histogram holding the samples of all the given ones; the inputs are left unchanged. */
export function mergeLatencyHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const h of histograms) merged.add(h);
  return merged;
}

/**
 * Count, extremes, mean and percentiles in milliseconds. Percentiles and the maximum are the
 * highest value equivalent to the sample (HdrHistogram's convention, so p99.9 ≤ max always
 * holds); the minimum is the lowest equivalent value.
 */
export function summarizeLatency(histogram: LatencyHistogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  const ms = (us: number) => us / 1000;
  return {
    count,
    minMs: ms(histogram.getValueAtPercentile(0)),
    meanMs: ms(histogram.mean),
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p90Ms: ms(histogram.getValueAtPercentile(90)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    p999Ms: ms(histogram.getValueAtPercentile(99.9)),
    maxMs: ms(histogram.highestEquivalentValue(histogram.maxValue)),
  };
}

/**
 * Counts per latency band for charts: with edges e0 < e1 < … (ms) the bands are [0, e0),
 * [e0, e1), …, [e_last, ∞). A sample is placed by the midpoint of its histogram bucket, so a
 * value within the histogram's resolution (0.1%) of an edge may land on either side of it.
 */
export function latencyBuckets(histogram: LatencyHistogram, edgesMs: readonly number[]): LatencyBucket[] {
  for (let i = 0; i < edgesMs.length; i++) {
    const edge = edgesMs[i] ?? Number.NaN;
    if (!(Number.isFinite(edge) && edge > 0 && (i === 0 || edge > (edgesMs[i - 1] ?? 0)))) {
      throw new RangeError(`edges must be finite, positive and increasing, got ${edgesMs.join(', ')}`);
    }
  }
  const counts = new Array<number>(edgesMs.length + 1).fill(0);
  // Walk the counts array directly rather than through the histogram's shared iterator objects,
  // which are state on the histogram itself.
  for (let index = 0; index < histogram.countsArrayLength; index++) {
    const count = histogram.getCountAtIndex(index);
    if (count === 0) continue;
    const valueMs = histogram.medianEquivalentValue(histogram.valueFromIndex(index)) / 1000;
    let band = 0;
    while (band < edgesMs.length && valueMs >= (edgesMs[band] ?? Number.POSITIVE_INFINITY)) band++;
    counts[band] = (counts[band] ?? 0) + count;
  }
  return counts.map((count, i) => ({
    fromMs: i === 0 ? 0 : (edgesMs[i - 1] ?? 0),
    toMs: i < edgesMs.length ? (edgesMs[i] ?? null) : null,
    count,
  }));
}

/**
 * Encodes a histogram in HdrHistogram's standard compressed base64 form ("HISTF…"), which other
 * HdrHistogram implementations and tools read, for attaching to evidence.
 */
export function encodeLatencyHistogram(histogram: LatencyHistogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Decodes {@link encodeLatencyHistogram}'s output into a latency histogram. */
export function decodeLatencyHistogram(encoded: string): LatencyHistogram {
  const decoded = decodeFromCompressedBase64(encoded, 32, false);
  if (!(decoded instanceof JsHistogram)) throw new TypeError('decoded histogram is not a JS histogram');
  // Re-home the samples in a standard histogram so the range is ours whatever the encoder used.
  const histogram = createLatencyHistogram();
  histogram.add(decoded);
  return histogram;
}

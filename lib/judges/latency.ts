import type { LatencyEvidence, LatencyMark, Observation } from '../model/index.ts';
import {
  createLatencyHistogram,
  encodeLatencyHistogram,
  latencyBuckets,
  recordLatencyMs,
  summarizeLatency,
} from '../stats/index.ts';

/** The latency band a check expects, in ms. */
export interface LatencyBand {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * Latency evidence for timeouts and delays: percentiles, counts per band for charts, and the
 * encoded HdrHistogram, next to the band the check expected.
 */
export function latencyEvidence(
  observations: readonly Observation[],
  band: LatencyBand,
  marks: readonly LatencyMark[] = [],
): LatencyEvidence {
  const histogram = createLatencyHistogram();
  for (const o of observations) recordLatencyMs(histogram, o.latencyMs);
  const summary = summarizeLatency(histogram);
  const edges = [0, band.fromMs / 2, band.fromMs, band.toMs, band.toMs * 2, Number.POSITIVE_INFINITY];
  return {
    kind: 'latency',
    band,
    percentiles: summary,
    buckets: latencyBuckets(histogram, edges.slice(1, -1)),
    histogram: encodeLatencyHistogram(histogram),
    summary: `min ${Math.round(summary.minMs)} / p50 ${Math.round(summary.p50Ms)} / max ${Math.round(summary.maxMs)} ms`,
    marks,
  };
}

import type { Check, Version } from '../../lib/model/index.ts';
import { Feature, isSuccess, noRetries } from '../../lib/model/index.ts';
import { defineRatioCheck, ratioAlpha, ratioTolerance } from '../define-ratio-check.ts';

/** A weighted-routing check: the client's requests split across versions as the route's weights say. */
export function defineWeightsCheck(id: string, weights: Readonly<Partial<Record<Version, number>>>): Check {
  const entries = Object.entries(weights) as [Version, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const used = new Set(entries.map(([v]) => v));
  return defineRatioCheck({
    id,
    description: `The client's requests split ${entries.map(([v, w]) => `${v} ${w}`).join(' / ')} across versions as the route's weights say (each share within ±${ratioTolerance * 100} points, false-failure rate ${ratioAlpha}). Near misses: weights a few points off (10 points skewed from the first backend to the last), weights applied in reverse order; a failed request counts against every share. Judged by who served, not by latency.`,
    features: [Feature.WeightedRouting],
    profile: 'core',
    rule: { backends: entries.map(([version, weight]) => ({ version, weight })), retries: noRetries },
    probeVersion: (['v3', 'v2', 'v1'] as const).find((v) => !used.has(v)) ?? 'v3',
    targets: Object.fromEntries(entries.map(([v, w]) => [v, w / total])),
    categorize: (o) => (isSuccess(o) ? (o.servedBy?.version ?? 'unknown') : 'failed'),
  });
}

import { judgeRatio, sampledRatioPlan } from '../../lib/judges/ratio.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Check, Version } from '../../lib/model/index.ts';
import { defineCheck, Feature, isSuccess, noRetries } from '../../lib/model/index.ts';

const alpha = 1e-5;
const tolerance = 0.05;

/**
 * A weighted-routing check: the client's requests must split across versions as the route's
 * weights say, judged with simultaneous binomial intervals at false-failure rate 1e-5.
 */
export function defineWeightsCheck(id: string, weights: Readonly<Partial<Record<Version, number>>>): Check {
  const entries = Object.entries(weights) as [Version, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  const targets = Object.fromEntries(entries.map(([v, w]) => [v, w / total]));
  const spec = { targets, tolerance, alpha };
  const traffic = sampledRatioPlan(
    { caller: 'client', service: 'server', requests: 0, concurrency: 16 },
    spec,
  );
  const used = new Set(entries.map(([v]) => v));
  const probeVersion: Version = (['v3', 'v2', 'v1'] as const).find((v) => !used.has(v)) ?? 'v3';
  const { route, convergence } = probedRoute(
    [{ backends: entries.map(([version, weight]) => ({ version, weight })), retries: noRetries }],
    probeVersion,
  );
  return defineCheck({
    id,
    description: `The client's requests split ${entries.map(([v, w]) => `${v} ${w}`).join(' / ')} across versions as the route's weights say (each share within ±${tolerance * 100} points, false-failure rate ${alpha}).`,
    features: [Feature.WeightedRouting],
    profile: 'core',
    intents: [route],
    convergence,
    traffic: { split: traffic },
    alpha,
    judge: ({ split }) =>
      judgeRatio(
        split,
        (o) => (isSuccess(o) ? (o.servedBy?.version ?? 'unknown') : 'failed'),
        spec,
        traffic.sampling,
      ),
  });
}

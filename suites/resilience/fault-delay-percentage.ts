import type { ControlledClass } from '../../lib/judges/controlled-ratio.ts';
import { judgeControlledRatio, sampledControlledPlan } from '../../lib/judges/controlled-ratio.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Observation } from '../../lib/model/index.ts';
import { defineCheck, Feature, isSuccess, noRetries } from '../../lib/model/index.ts';
import { ratioAlpha, ratioTolerance } from '../define-ratio-check.ts';

const percent = 20;
const delayMs = 500;
/** A delayed request takes at least the delay; 2% below it allows for timer granularity. */
const slowFromMs = delayMs * 0.98;
const scopeHeader = { 'x-fault-scope': 'delay' } as const;
const spec = {
  target: percent / 100,
  tolerance: ratioTolerance,
  alpha: ratioAlpha,
  // Planned for a machine so loaded that one in twenty undelayed requests takes the delay's time.
  plannedNoise: 0.05,
  arms: { scoped: 'scoped', control: 'control' },
} as const;
const traffic = sampledControlledPlan(
  { caller: 'client', service: 'server', requests: 0, concurrency: 64 },
  spec,
  scopeHeader,
);
const { route, convergence } = probedRoute(
  [
    {
      matchHeaders: scopeHeader,
      backends: [{ version: 'v1', weight: 1 }],
      retries: noRetries,
      fault: { delay: { ms: delayMs, percent } },
    },
    { backends: [{ version: 'v1', weight: 1 }], retries: noRetries },
  ],
  'v2',
);

/**
 * Delayed, by the client's clock: load can add latency to any request but take none away. A
 * request the client gave up on took longer than the delay too, in either arm.
 */
const classify = (o: Observation): ControlledClass => {
  if (o.outcome === 'timeout') return 'affected';
  if (!isSuccess(o)) return 'failed';
  return o.latencyMs >= slowFromMs ? 'affected' : 'unaffected';
};

/**
 * A delay fault at 20% delays that share of requests by the declared time. Judged against a
 * control arm, so that machine load cancels out of the verdict.
 */
export const faultDelayPercentage = defineCheck({
  id: 'resilience.fault.delay-percentage',
  description: `A delay fault of ${delayMs} ms at ${percent}% on the rule matching x-fault-scope: delay delays that share of the matching requests by at least ${delayMs} ms and no request without the header; every request still succeeds (one the client gives up on counts as slow, in either arm). Requests with and without the header take turns on the same connections (a control arm): a request counts as delayed when it took at least ${slowFromMs} ms (a delay can only add time, so every delayed request counts), and load makes an undelayed request that slow equally often in both arms, so the delayed share is judged from the difference (${spec.arms.scoped} rate r, control rate q: share (r − q)/(1 − q), within ±${ratioTolerance * 100} points, false-failure rate ${ratioAlpha}). Near misses it tells apart: a delay on the requests without the header too, a shorter delay than declared, a doubled rate, no delay.`,
  features: [Feature.FaultDelay, Feature.HeaderRouting],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: { requests: traffic },
  alpha: ratioAlpha,
  judge: ({ requests }) => judgeControlledRatio(requests, classify, spec, traffic, 'delayed'),
});

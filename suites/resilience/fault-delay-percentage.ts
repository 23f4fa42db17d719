import { judgeRatio, sampledRatioPlan } from '../../lib/judges/ratio.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, Feature, isSuccess, noRetries } from '../../lib/model/index.ts';

const percent = 20;
const delayMs = 100;
const alpha = 1e-5;
const spec = { targets: { delayed: percent / 100 }, tolerance: 0.05, alpha };
const traffic = sampledRatioPlan({ caller: 'client', service: 'server', requests: 0, concurrency: 32 }, spec);
const { route, convergence } = probedRoute(
  [
    {
      backends: [{ version: 'v1', weight: 1 }],
      retries: noRetries,
      fault: { delay: { ms: delayMs, percent } },
    },
  ],
  'v2',
);

/** A delay fault at 20% delays that share of requests by the declared time, and only that share. */
export const faultDelayPercentage = defineCheck({
  id: 'resilience.fault.delay-percentage',
  description: `A delay fault of ${delayMs} ms at ${percent}% delays that share of requests by at least ${delayMs} ms (share within ±5 points, false-failure rate ${alpha}); every request still succeeds.`,
  features: [Feature.FaultDelay],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: { requests: traffic },
  alpha,
  // The echo answers at once, so a latency at or beyond the fault's delay is the fault.
  judge: ({ requests }) =>
    judgeRatio(
      requests,
      (o) => (!isSuccess(o) ? 'failed' : o.latencyMs >= delayMs * 0.95 ? 'delayed' : 'undelayed'),
      spec,
      traffic.sampling,
    ),
});

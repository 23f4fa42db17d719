import { judgeRatio, sampledRatioPlan } from '../../lib/judges/ratio.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, Feature, noRetries } from '../../lib/model/index.ts';

const percent = 10;
const alpha = 1e-5;
const spec = { targets: { aborted: percent / 100 }, tolerance: 0.05, alpha };
const traffic = sampledRatioPlan({ caller: 'client', service: 'server', requests: 0, concurrency: 16 }, spec);
const { route, convergence } = probedRoute(
  [
    {
      backends: [{ version: 'v1', weight: 1 }],
      retries: noRetries,
      fault: { abort: { status: 503, percent } },
    },
  ],
  'v2',
);

/** An abort fault at 10% aborts 10% of requests (not 0, not 100), judged statistically. */
export const faultAbortPercentage = defineCheck({
  id: 'resilience.fault.abort-percentage',
  description: `An abort fault of 503 at ${percent}% aborts that share of requests before they reach the server (share within ±5 points, false-failure rate ${alpha}).`,
  features: [Feature.FaultAbort],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: { requests: traffic },
  alpha,
  // Aborted: the 503 came from the caller's proxy, not from the app (no echo reply).
  judge: ({ requests }) =>
    judgeRatio(
      requests,
      (o) => (o.outcome === 'response' && o.status === 503 && !o.servedBy ? 'aborted' : 'passed'),
      spec,
      traffic.sampling,
    ),
});

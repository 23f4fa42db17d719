import { probedRoute, probeHeader } from '../../lib/judges/route-probe.ts';
import { defineCheck, describeOutcomes, Feature, isSuccess, noRetries } from '../../lib/model/index.ts';

const requestsPerSecond = 10;
const burst = 60;
// Probes go to v1, the pod the burst measures: each proxy holds its own bucket, so a 429 from
// another version's proxy would say nothing about v1's. A burst of probes spread over three pods
// (the route not yet in effect) stays under each pod's budget, so a 429 also shows the route.
const { route } = probedRoute([{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries }], 'v1');

/** A local rate limit lets its budget through and answers the excess with 429. */
export const rateLimitLocal = defineCheck({
  id: 'resilience.ratelimit.local',
  description: `With a local limit of ${requestsPerSecond} requests per second on the server, a burst of ${burst} requests gets at least one but at most the budget for its duration through; every other request is answered 429 (not another status). The duration is the burst's span by the client's clock, from the first send to the last answer, which load can only lengthen: the budget it allows is never smaller than the proxy's. Near miss: a bucket per worker thread, which lets twice the budget through.`,
  features: [Feature.RateLimit],
  profile: 'extended',
  intents: [route, { kind: 'RateLimit', service: 'server', requestsPerSecond }],
  // The limit lives in the server's proxies, which may learn it after the client's route: both are
  // in effect once a burst of probes (routed by the probe rule to v1, the measured pod) meets a
  // 429. The budget then refills before measuring.
  convergence: {
    plan: {
      caller: 'client',
      service: 'server',
      headers: { [probeHeader]: 'converged' },
      requests: requestsPerSecond * 2,
      concurrency: 10,
    },
    confirmed: (o) => o.outcome === 'response' && o.status === 429,
    settleMs: 1_100,
  },
  traffic: { burst: { caller: 'client', service: 'server', requests: burst, concurrency: 20 } },
  judge: ({ burst: sent }) => {
    // The burst's span, from the first send to the last answer: the limit may refill meanwhile.
    const first = Math.min(...sent.map((o) => o.sentAtMs ?? 0));
    const last = Math.max(...sent.map((o) => (o.sentAtMs ?? 0) + o.latencyMs));
    const spanSeconds = (last - first) / 1000;
    const budget = Math.ceil(requestsPerSecond * (1 + spanSeconds));
    const admitted = sent.filter(isSuccess).length;
    const limited = sent.filter((o) => o.outcome === 'response' && o.status === 429).length;
    const passed = admitted >= 1 && admitted <= budget && admitted + limited === sent.length;
    return {
      status: passed ? 'PASSED' : 'FAILED',
      want: `1–${budget} of ${sent.length} admitted, the rest 429`,
      got: `${describeOutcomes(sent)}`,
      evidence: { requestsPerSecond, admitted, limited, budget, spanMs: Math.round(last - first) },
    };
  },
});

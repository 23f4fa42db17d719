import { Feature, isSuccess, noRetries } from '../../lib/model/index.ts';
import { defineRatioCheck, ratioAlpha } from '../define-ratio-check.ts';

const percent = 20;
const delayMs = 200;

/** A delay fault at 20% delays that share of requests by the declared time, and only that share. */
export const faultDelayPercentage = defineRatioCheck({
  id: 'resilience.fault.delay-percentage',
  description: `A delay fault of ${delayMs} ms at ${percent}% delays that share of requests by at least ${delayMs} ms (share within ±5 points, false-failure rate ${ratioAlpha}); every request still succeeds.`,
  features: [Feature.FaultDelay],
  profile: 'extended',
  rule: {
    backends: [{ version: 'v1', weight: 1 }],
    retries: noRetries,
    fault: { delay: { ms: delayMs, percent } },
  },
  probeVersion: 'v2',
  targets: { delayed: percent / 100 },
  // The echo answers at once, so a latency at or beyond the fault's delay is the fault.
  categorize: (o) => (!isSuccess(o) ? 'failed' : o.latencyMs >= delayMs * 0.95 ? 'delayed' : 'undelayed'),
  request: { concurrency: 64 },
});

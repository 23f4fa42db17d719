import { Feature, noRetries } from '../../lib/model/index.ts';
import { defineRatioCheck, ratioAlpha } from '../define-ratio-check.ts';

const percent = 10;

/** An abort fault at 10% aborts 10% of requests (not 0, not 100), judged statistically. */
export const faultAbortPercentage = defineRatioCheck({
  id: 'resilience.fault.abort-percentage',
  description: `An abort fault of 503 at ${percent}% aborts that share of requests before they reach the server (share within ±5 points, false-failure rate ${ratioAlpha}).`,
  features: [Feature.FaultAbort],
  profile: 'extended',
  rule: {
    backends: [{ version: 'v1', weight: 1 }],
    retries: noRetries,
    fault: { abort: { status: 503, percent } },
  },
  probeVersion: 'v2',
  targets: { aborted: percent / 100 },
  // Aborted: a 503 that did not come from the app (no echo reply).
  categorize: (o) => (o.outcome === 'response' && o.status === 503 && !o.servedBy ? 'aborted' : 'passed'),
});

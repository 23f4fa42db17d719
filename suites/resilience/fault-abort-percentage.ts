import { Feature, noRetries } from '../../lib/model/index.ts';
import { defineRatioCheck, ratioAlpha } from '../define-ratio-check.ts';

const percent = 10;

/** An abort fault at 10% aborts 10% of requests (not 0, not 100), judged statistically. */
export const faultAbortPercentage = defineRatioCheck({
  id: 'resilience.fault.abort-percentage',
  description: `An abort fault of 503 at ${percent}% aborts that share of requests before they reach the server (share within ±5 points, false-failure rate ${ratioAlpha}). A request counts as aborted only when the app never saw it (the echo's ledger): the near miss of a mesh that forwards the request and replaces the answer with the abort.`,
  features: [Feature.FaultAbort],
  profile: 'extended',
  rule: {
    backends: [{ version: 'v1', weight: 1 }],
    retries: noRetries,
    fault: { abort: { status: 503, percent } },
  },
  probeVersion: 'v2',
  targets: { aborted: percent / 100 },
  // Aborted: a 503 that did not come from the app (no echo reply) and never reached it.
  categorize: (o) => {
    if (o.outcome !== 'response' || o.status !== 503 || o.servedBy) return 'passed';
    return o.serverAttempts === 0 ? 'aborted' : 'aborted after reaching the app';
  },
  request: { ledger: true },
});

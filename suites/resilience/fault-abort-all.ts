import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, describeOutcomes, Feature, noRetries, values } from '../../lib/model/index.ts';

/** Not 503: a mesh that aborts with 503 whatever it is told is the near miss. */
const status = 500;
const { route, convergence } = probedRoute(
  [
    {
      backends: [{ version: 'v1', weight: 1 }],
      retries: noRetries,
      fault: { abort: { status, percent: 100 } },
    },
  ],
  'v2',
);

/** An abort fault at 100% answers every request with its status; none reaches the app. */
export const faultAbortAll = defineCheck({
  id: 'resilience.fault.abort-all',
  description: `An abort fault of ${status} at 100% answers every request with ${status} (not the neighbouring 503 a mesh might answer whatever it is told), and the server app sees none of them (not a mesh that forwards the request and replaces the answer).`,
  features: [Feature.FaultAbort],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: { all: { caller: 'client', service: 'server', requests: 30, ledger: true } },
  judge: ({ all }) => {
    const aborted = all.filter(
      (o) => o.outcome === 'response' && o.status === status && o.serverAttempts === 0,
    );
    const reached = all.filter((o) => (o.serverAttempts ?? 0) > 0).length;
    return {
      status: aborted.length === all.length ? 'PASSED' : 'FAILED',
      want: `${status} ×${all.length}, none reaching the app`,
      got: `${describeOutcomes(all)}; ${reached} reached the app`,
      evidence: values({ aborted: aborted.length, reachedApp: reached }),
    };
  },
});

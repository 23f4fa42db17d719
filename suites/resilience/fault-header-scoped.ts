import { probedRoute } from '../../lib/judges/route-probe.ts';
import {
  defineCheck,
  describeOutcomes,
  Feature,
  isSuccess,
  noRetries,
  values,
} from '../../lib/model/index.ts';

const { route, convergence } = probedRoute(
  [
    {
      matchHeaders: { 'x-fault': 'abort' },
      backends: [{ version: 'v1', weight: 1 }],
      retries: noRetries,
      fault: { abort: { status: 503, percent: 100 } },
    },
    { backends: [{ version: 'v1', weight: 1 }], retries: noRetries },
  ],
  'v2',
);

/** A fault scoped to a header match hits only the matching requests. */
export const faultHeaderScoped = defineCheck({
  id: 'resilience.fault.header-scoped',
  description:
    'A 100% abort fault on the rule matching x-fault: abort aborts every matching request and none of the others. Near misses: the fault applied to the requests without the header too, and header rules dropped (nothing aborted).',
  features: [Feature.FaultAbort, Feature.HeaderRouting],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: {
    matching: { caller: 'client', service: 'server', headers: { 'x-fault': 'abort' }, requests: 30 },
    other: { caller: 'client', service: 'server', requests: 30 },
  },
  judge: ({ matching, other }) => {
    const aborted = matching.filter(
      (o) => o.outcome === 'response' && o.status === 503 && !o.servedBy,
    ).length;
    const served = other.filter(isSuccess).length;
    return {
      status: aborted === matching.length && served === other.length ? 'PASSED' : 'FAILED',
      want: `with x-fault: abort → 503 ×${matching.length}; without → 2xx ×${other.length}`,
      got: `with x-fault: abort → ${describeOutcomes(matching)}; without → ${describeOutcomes(other)}`,
      evidence: values({ aborted, served }),
    };
  },
});

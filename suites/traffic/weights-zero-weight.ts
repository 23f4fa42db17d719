import { probedRoute } from '../../lib/judges/route-probe.ts';
import {
  defineCheck,
  describeServedBy,
  Feature,
  isSuccess,
  noRetries,
  values,
} from '../../lib/model/index.ts';

const requests = 2_000;
const { route, convergence } = probedRoute(
  [
    {
      backends: [
        { version: 'v1', weight: 100 },
        { version: 'v2', weight: 0 },
      ],
      retries: noRetries,
    },
  ],
  'v3',
);

/** A backend of weight 0 gets nothing: the near miss of a small weight. */
export const weightsZeroWeight = defineCheck({
  id: 'traffic.weights.zero-weight',
  description: `With weights v1 100 / v2 0, none of ${requests} requests is served by v2 and all by v1: weight 0 means no traffic, not a little (the near miss of a mesh that floors weights at 1, which sends v2 about 1%: ${requests} requests miss that with probability 0.99^${requests} < 1e-8). Exact, not statistical: a conformant mesh never sends one there.`,
  features: [Feature.WeightedRouting],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: { requests: { caller: 'client', service: 'server', requests, concurrency: 16 } },
  judge: ({ requests: sent }) => {
    const onV1 = sent.filter((o) => isSuccess(o) && o.servedBy?.version === 'v1').length;
    return {
      status: onV1 === sent.length ? 'PASSED' : 'FAILED',
      want: `v1 ×${sent.length}, v2 ×0`,
      got: describeServedBy(sent),
      evidence: values({ onV1 }),
    };
  },
});

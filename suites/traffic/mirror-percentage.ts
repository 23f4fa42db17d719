import { judgeRatio, sampledRatioPlan } from '../../lib/judges/ratio.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, Feature, noRetries } from '../../lib/model/index.ts';

const percent = 50;
const alpha = 1e-5;
const spec = { targets: { mirrored: percent / 100 }, tolerance: 0.05, alpha };
const traffic = sampledRatioPlan(
  { caller: 'client', service: 'server', requests: 0, concurrency: 16, ledger: true },
  spec,
);
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries, mirror: { version: 'v2', percent } }],
  'v3',
);

/** Mirroring copies the declared share of requests to a second version; the client sees only the primary. */
export const mirrorPercentage = defineCheck({
  id: 'traffic.mirror.percentage',
  description: `Mirroring ${percent}% of requests from v1 to v2: the share of requests the server apps see twice is ${percent}% (±5 points, false-failure rate ${alpha}), and the client is always answered by v1.`,
  features: [Feature.Mirroring],
  profile: 'extended',
  intents: [route],
  convergence,
  traffic: { requests: traffic },
  alpha,
  judge: ({ requests }) =>
    judgeRatio(
      requests,
      (o) =>
        o.servedBy?.version !== 'v1'
          ? 'not-served-by-primary'
          : o.serverAttempts === 2
            ? 'mirrored'
            : o.serverAttempts === 1
              ? 'primary-only'
              : 'unexpected',
      spec,
      traffic.sampling,
    ),
});

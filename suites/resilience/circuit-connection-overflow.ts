import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, describeOutcomes, Feature, isSuccess, noRetries } from '../../lib/model/index.ts';

const maxConnections = 1;
const maxPending = 1;
const concurrent = 20;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries }],
  'v2',
);

/** Beyond the connection pool's limits, the caller's proxy sheds load with 503 instead of queueing forever. */
export const connectionOverflow = defineCheck({
  id: 'resilience.circuit.connection-overflow',
  description: `With at most ${maxConnections} connection and ${maxPending} pending request to the server, ${concurrent} concurrent slow requests overflow: some are answered 503 by the caller's proxy without reaching the app, the others are served.`,
  features: [Feature.ConnectionLimits],
  profile: 'extended',
  intents: [route, { kind: 'ConnectionLimit', service: 'server', maxConnections, maxPending }],
  convergence,
  traffic: {
    burst: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: 500 },
      requests: concurrent,
      concurrency: concurrent,
      ledger: true,
    },
  },
  judge: ({ burst }) => {
    const shed = burst.filter(
      (o) => o.outcome === 'response' && o.status === 503 && o.serverAttempts === 0,
    ).length;
    const served = burst.filter(isSuccess).length;
    const other = burst.length - shed - served;
    return {
      status: shed > 0 && served > 0 && other === 0 ? 'PASSED' : 'FAILED',
      want: `some 503 that never reached the app (overflow), the rest 2xx, nothing else`,
      got: `${describeOutcomes(burst)}; ${shed} shed before the app, ${served} served`,
      evidence: { shed, served, other, maxConnections, maxPending, concurrent },
    };
  },
});

import { connectionPoolBurst, judgeConnectionPool } from '../../lib/judges/connection-pool.ts';
import { defineCheck, Feature } from '../../lib/model/index.ts';

const pool = { maxConnections: 1, maxPending: 1, serverDelayMs: 1_200 } as const;
const concurrent = 12;

/** The connection limit is the service's (one upstream cluster), not each endpoint's. */
export const connectionLimitPerService = defineCheck({
  id: 'resilience.circuit.connection-limit-per-service',
  description: `Connection pool limits apply to the service as a whole (Envoy's circuit breakers are per upstream cluster), not to each endpoint: with no route, so that requests are balanced over all three endpoints (v1, v2, v3), at most ${pool.maxConnections} connection and ${pool.maxPending} pending request, ${concurrent} concurrent requests taking ${pool.serverDelayMs} ms each are shed with 503 at once beyond the limit, and at most ${pool.maxPending} of them wait, across all endpoints together (a limit per endpoint lets one wait at each). Bounds as in resilience.circuit.connection-overflow: order of events, and a request waited when it ends after ${pool.serverDelayMs * 1.9} ms.`,
  features: [Feature.ConnectionLimits],
  profile: 'extended',
  intents: [
    {
      kind: 'ConnectionLimit',
      service: 'server',
      maxConnections: pool.maxConnections,
      maxPending: pool.maxPending,
    },
  ],
  // No route to probe: the limit is in effect once a burst of short requests meets a refusal.
  convergence: {
    plan: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: 200 },
      requests: 6,
      concurrency: 6,
    },
    confirmed: (o) => o.outcome === 'response' && o.status === 503 && !o.servedBy,
  },
  traffic: {
    burst: connectionPoolBurst(pool, concurrent),
  },
  judge: ({ burst }) => judgeConnectionPool(burst, pool, 'all endpoints together'),
});

import { connectionPoolBurst, judgeConnectionPool } from '../../lib/judges/connection-pool.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, Feature, noRetries } from '../../lib/model/index.ts';

const pool = { maxConnections: 1, maxPending: 1, serverDelayMs: 1_200 } as const;
const concurrent = 12;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries }],
  'v2',
);

/** Beyond the connection pool's limits, the caller's proxy sheds load with 503 at once instead of queueing. */
export const connectionOverflow = defineCheck({
  id: 'resilience.circuit.connection-overflow',
  description: `With at most ${pool.maxConnections} connection and ${pool.maxPending} pending request to the server's v1 subset, ${concurrent} concurrent requests that each take ${pool.serverDelayMs} ms overflow: the excess is answered 503 by the caller's proxy at once (every one before the first served request ends), without reaching the app, and not retried; at most ${pool.maxPending} request waits for the connection; the rest are served. Near misses: an overflow queued until a queue timeout (503 after the served ones), pending requests beyond the limit, no limit at all. Bounds: order of events, not latency (a request served takes at least ${pool.serverDelayMs} ms, a refusal is immediate, so load would have to add ${pool.serverDelayMs} ms to a refusal to reorder them); a request counts as having waited when it ends after ${pool.serverDelayMs * 1.9} ms. How many are served at once is not bounded, because Envoy may open one connection per endpoint and worker beyond the limit (its circuit-breaking docs).`,
  features: [Feature.ConnectionLimits],
  profile: 'extended',
  intents: [
    route,
    {
      kind: 'ConnectionLimit',
      service: 'server',
      maxConnections: pool.maxConnections,
      maxPending: pool.maxPending,
    },
  ],
  convergence,
  traffic: {
    burst: connectionPoolBurst(pool, concurrent),
  },
  judge: ({ burst }) => judgeConnectionPool(burst, pool, 'v1 subset'),
});

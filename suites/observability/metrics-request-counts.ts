import {
  countDifferences,
  countedBy,
  describeCounts,
  expectedByDestination,
  expectedBySource,
} from '../../lib/judges/request-metrics.ts';
import { defineCheck, Feature, type TrafficPlan, values } from '../../lib/model/index.ts';
import { metricsRoute } from './metrics-route.ts';

const retries = 2;
const { route, convergence } = metricsRoute({ attempts: retries, retryOn: ['5xx'] });
const plan = (caller: TrafficPlan['caller'], status: number, requests: number): TrafficPlan => ({
  caller,
  service: 'server',
  echo: { status },
  requests,
  ledger: true,
});

/** The mesh's own request counters against what the clients and the servers saw, exactly. */
export const metricsRequestCounts = defineCheck({
  id: 'observability.metrics.request-counts',
  description: `After the traffic, the mesh's own request counters (the difference of a scrape of every proxy before and after it; a counter absent before counts 0, a proxy restarted in between is an error) agree exactly with what was observed: the caller's proxy (reporter source) counts each request once by caller, answering workload and response code, the server's proxy (reporter destination) each attempt it received (counted by the echo ledger) by caller and code. Traffic: client 200 ×12, 503 ×6 under ${retries} retries on 5xx (${retries + 1} attempts each), 404 ×6 (not retried), frontend 200 ×8, over a route splitting v1/v2. Near misses: retries counted as requests by the source reporter (18 where 6), 5xx dropped, 5xx counted as 200, the source workload taken from the wrong part of the peer identity, the destination workload taken from the service instead of the endpoint that answered, counters cleared by each scrape. Comparing the destination reporter with the clients' counts would be a near miss of the harness: it counts attempts.`,
  features: [Feature.RequestMetrics, Feature.Retries],
  profile: 'extended',
  intents: [{ kind: 'RequestTelemetry', service: 'server' }, route],
  convergence,
  readsMetrics: true,
  traffic: {
    clientOk: plan('client', 200, 12),
    clientRetried: plan('client', 503, 6),
    clientNotFound: plan('client', 404, 6),
    frontendOk: plan('frontend', 200, 8),
  },
  judge: ({ clientOk, clientRetried, clientNotFound, frontendOk }, ctx) => {
    const byCaller = [
      ['client', [...clientOk, ...clientRetried, ...clientNotFound]],
      ['frontend', frontendOk],
    ] as const;
    const wantSource = expectedBySource(byCaller);
    const wantDestination = expectedByDestination(byCaller);
    const want = `reporter source: ${describeCounts(wantSource)}; reporter destination (attempts): ${describeCounts(wantDestination)}`;
    if (!ctx.metrics) return { status: 'FAILED', want, got: 'no metrics were read', evidence: values({}) };
    const gotSource = countedBy(ctx.metrics, 'source');
    const gotDestination = countedBy(ctx.metrics, 'destination');
    const differences = [
      ...countDifferences(wantSource, gotSource).map((d) => `source ${d}`),
      ...countDifferences(wantDestination, gotDestination).map((d) => `destination ${d}`),
    ];
    return {
      status: differences.length === 0 ? 'PASSED' : 'FAILED',
      want,
      got:
        differences.length === 0
          ? want
          : `reporter source: ${describeCounts(gotSource)}; reporter destination: ${describeCounts(gotDestination)} (${differences.join('; ')})`,
      evidence: values({
        wantSource: Object.fromEntries(wantSource),
        gotSource: Object.fromEntries(gotSource),
        wantDestination: Object.fromEntries(wantDestination),
        gotDestination: Object.fromEntries(gotDestination),
        differences,
      }),
    };
  },
});

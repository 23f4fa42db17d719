import {
  type DurationBounds,
  describeHistogram,
  histogramViolations,
  mergedHistogram,
  proxyClockSlackMs,
} from '../../lib/judges/request-metrics.ts';
import {
  defineCheck,
  Feature,
  type MetricsReporter,
  type Observation,
  type TrafficPlan,
  values,
} from '../../lib/model/index.ts';
import { metricsRoute } from './metrics-route.ts';

/** Server delays between bucket bounds (Istio's 25/50 and 250/500), far from both. */
const delays = { fast: 0, delayed40: 40, delayed300: 300 } as const;
const plan = (delayMs: number, requests: number): TrafficPlan => ({
  caller: 'client',
  service: 'server',
  ...(delayMs > 0 ? { echo: { delayMs } } : {}),
  requests,
});
const reporters: readonly MetricsReporter[] = ['source', 'destination'];
const { route, convergence } = metricsRoute();

/** The mesh's own latency histogram against the delays the server made and the latencies the client saw. */
export const metricsLatencyBuckets = defineCheck({
  id: 'observability.metrics.latency-buckets',
  description: `After the traffic, the mesh's request-duration histogram of each reporter (source and destination; the difference of a scrape before and after) holds every request in a bucket its duration allows, with the bucket bounds the mesh uses: a bucket's cumulative count is at most the requests the server delayed by no more than its bound (no proxy sees a request end before the server answered: load-proof) and at least those the client saw complete within the bound below, less ${proxyClockSlackMs} ms (one bucket of slack, where load adds time), and +Inf and _count hold every request. Traffic: client ×12 undelayed, ×12 delayed ${delays.delayed40} ms, ×8 delayed ${delays.delayed300} ms by the server. Near misses: durations recorded in seconds in a millisecond histogram (all in the first bucket), a request filed one bucket low (${delays.delayed40} ms under le=25). One bucket too high is caught only when the client's latency is well within the bound below, which a loaded machine does not promise.`,
  features: [Feature.RequestMetrics, Feature.LatencyHistogram],
  profile: 'extended',
  intents: [{ kind: 'RequestTelemetry', service: 'server' }, route],
  convergence,
  readsMetrics: true,
  traffic: {
    fast: plan(delays.fast, 12),
    delayed40: plan(delays.delayed40, 12),
    delayed300: plan(delays.delayed300, 8),
  },
  judge: (observations, ctx) => {
    const bounds = (list: readonly Observation[], atLeastMs: number): DurationBounds[] =>
      list.map((o) => ({ atLeastMs, clientMs: o.latencyMs }));
    const requests = [
      ...bounds(observations.fast, delays.fast),
      ...bounds(observations.delayed40, delays.delayed40),
      ...bounds(observations.delayed300, delays.delayed300),
    ];
    const want = `every reporter: ${requests.length} requests, none in a bucket below its server delay (${delays.delayed40} ms ×${observations.delayed40.length} above le=25, ${delays.delayed300} ms ×${observations.delayed300.length} above le=250), each within the bucket above its client latency`;
    if (!ctx.metrics) return { status: 'FAILED', want, got: 'no metrics were read', evidence: values({}) };
    const metrics = ctx.metrics;
    const judged = reporters.map((reporter) => {
      const histogram = mergedHistogram(metrics, reporter, 'client');
      const problems = histogram ? histogramViolations(histogram, requests) : ['no histogram'];
      return { reporter, histogram, problems };
    });
    const failed = judged.filter((j) => j.problems.length > 0);
    const got = judged
      .map(
        (j) =>
          `${j.reporter}: ${describeHistogram(j.histogram)}${j.problems.length > 0 ? ` (${j.problems.join('; ')})` : ''}`,
      )
      .join('; ');
    return {
      status: failed.length === 0 ? 'PASSED' : 'FAILED',
      want,
      got,
      evidence: values({
        clientLatencyMs: requests.map((r) => Math.round(r.clientMs)),
        serverDelayMs: requests.map((r) => r.atLeastMs),
        ...Object.fromEntries(
          judged.map((j) => [
            `${j.reporter}Buckets`,
            Object.fromEntries(
              (j.histogram?.buckets ?? []).map((b) => [
                Number.isFinite(b.le) ? String(b.le) : '+Inf',
                b.count,
              ]),
            ),
          ]),
        ),
      }),
    };
  },
});

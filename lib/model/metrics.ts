/**
 * A mesh's own request metrics in mesh-agnostic terms: what Istio's `istio_requests_total` and
 * `istio_request_duration_milliseconds`, Linkerd's `response_total` and `response_latency_ms`,
 * and the reference mesh's `meshproof_requests_total` say, one series per proxy and labels.
 */

/** Which proxy counted: the caller's (`source`, once per request) or the server's (`destination`, once per attempt it received). */
export type MetricsReporter = 'source' | 'destination';

/** The labels of one request series, with workload names as the fixture topology names them (`client`, `server-v1`, `unknown`). */
export interface RequestSeries {
  /** The proxy that exposed the series (a sidecar or pod name): counters are per process. */
  readonly proxy: string;
  readonly reporter: MetricsReporter;
  readonly source: string;
  readonly destination: string;
  /** The response code, `200`; `0` where no response was sent. */
  readonly code: string;
}

export interface RequestCount extends RequestSeries {
  readonly value: number;
}

/** One cumulative bucket: requests that took at most `le` ms (`Infinity` for `+Inf`). */
export interface HistogramBucket {
  readonly le: number;
  readonly count: number;
}

export interface RequestDurations extends RequestSeries {
  /** Cumulative, in increasing `le`, with the bounds the mesh uses (ms). */
  readonly buckets: readonly HistogramBucket[];
  readonly count: number;
}

/** One scrape of every proxy of the mesh. */
export interface MeshMetrics {
  /** When each proxy's counters started (its process start, s): a change means they restarted from 0. */
  readonly startedAt: Readonly<Record<string, number>>;
  /** Or, for proxies that report an uptime instead (Envoy's `server.uptime`, whole s): less than before means a restart. */
  readonly uptimeS?: Readonly<Record<string, number>>;
  readonly counts: readonly RequestCount[];
  readonly durations: readonly RequestDurations[];
}

/** Thrown when a proxy restarted between two scrapes: its counters cannot be compared. */
export class MetricsRestartError extends Error {}

const seriesKey = (s: RequestSeries) => [s.proxy, s.reporter, s.source, s.destination, s.code].join('\u0000');

/**
 * What the traffic between two scrapes added, series by series (pure): a series absent before
 * counted 0; a series whose counter went down without a restart keeps its negative delta (a
 * counter that is not one is for the judge to fail). A restarted proxy is an error.
 */
export function metricsDelta(before: MeshMetrics, after: MeshMetrics): MeshMetrics {
  for (const [proxy, started] of Object.entries(after.startedAt)) {
    const earlier = before.startedAt[proxy];
    if (earlier !== undefined && earlier !== started)
      throw new MetricsRestartError(
        `proxy ${proxy} restarted between the scrapes before and after the traffic (counters started at ${earlier}, then ${started}): its counts cannot be compared`,
      );
  }
  for (const [proxy, uptime] of Object.entries(after.uptimeS ?? {})) {
    const earlier = before.uptimeS?.[proxy];
    if (earlier !== undefined && uptime < earlier)
      throw new MetricsRestartError(
        `proxy ${proxy} restarted between the scrapes before and after the traffic (up ${earlier} s, then ${uptime} s): its counts cannot be compared`,
      );
  }
  const countsBefore = new Map(before.counts.map((c) => [seriesKey(c), c.value]));
  const durationsBefore = new Map(before.durations.map((d) => [seriesKey(d), d]));
  return {
    startedAt: after.startedAt,
    ...(after.uptimeS ? { uptimeS: after.uptimeS } : {}),
    counts: after.counts
      .map((c) => ({ ...c, value: c.value - (countsBefore.get(seriesKey(c)) ?? 0) }))
      .filter((c) => c.value !== 0),
    durations: after.durations
      .map((d) => {
        const earlier = durationsBefore.get(seriesKey(d));
        const at = (le: number) => earlier?.buckets.find((b) => b.le === le)?.count ?? 0;
        return {
          ...d,
          buckets: d.buckets.map((b) => ({ le: b.le, count: b.count - at(b.le) })),
          count: d.count - (earlier?.count ?? 0),
        };
      })
      .filter((d) => d.count !== 0 || d.buckets.some((b) => b.count !== 0)),
  };
}

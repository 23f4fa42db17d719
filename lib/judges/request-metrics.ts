import type {
  HistogramBucket,
  MeshMetrics,
  MetricsReporter,
  Observation,
  RequestCount,
  RequestDurations,
} from '../model/index.ts';

/** Counts by a readable key, `client → server-v1 503`. */
export type CountTable = ReadonlyMap<string, number>;

const add = (table: Map<string, number>, key: string, n: number) => table.set(key, (table.get(key) ?? 0) + n);

/** The workload an observation's answer came from, as the meshes' metrics name it (`server-v1`). */
export function answeringWorkload(o: Observation): string {
  return o.servedBy ? `server-${o.servedBy.version}` : 'unknown';
}

/** A request that got a response (any status): the ones a mesh counts by response code. */
const answered = (o: Observation) => o.outcome === 'response' && o.status !== undefined;

/**
 * What the caller's proxy must count (reporter source): each request once, by caller, the
 * workload that answered and the status the client got, whatever retries happened behind it.
 */
export function expectedBySource(
  byCaller: readonly (readonly [string, readonly Observation[]])[],
): CountTable {
  const table = new Map<string, number>();
  for (const [caller, list] of byCaller)
    for (const o of list.filter(answered)) add(table, `${caller} → ${answeringWorkload(o)} ${o.status}`, 1);
  return table;
}

/**
 * What the servers' proxies must count (reporter destination): every attempt that reached a server
 * (the echo ledger), by caller and status, summed over the server workloads (the client cannot tell
 * which one took each retry). Every attempt of a request got the status the client got (the plans
 * steer the status of every attempt).
 */
export function expectedByDestination(
  byCaller: readonly (readonly [string, readonly Observation[]])[],
): CountTable {
  const table = new Map<string, number>();
  for (const [caller, list] of byCaller)
    for (const o of list.filter(answered))
      add(table, `${caller} → server ${o.status}`, o.serverAttempts ?? 0);
  return table;
}

/** The mesh's counts of one reporter, keyed like the expected tables (destinations summed for `destination`). */
export function countedBy(metrics: MeshMetrics, reporter: MetricsReporter): CountTable {
  const table = new Map<string, number>();
  for (const c of metrics.counts.filter((c: RequestCount) => c.reporter === reporter)) {
    const destination = reporter === 'source' ? c.destination : 'server';
    add(table, `${c.source} → ${destination} ${c.code}`, c.value);
  }
  return table;
}

/** Keys whose counts differ, `client → server-v1 503: want 6, got 18`. */
export function countDifferences(want: CountTable, got: CountTable): string[] {
  const keys = [...new Set([...want.keys(), ...got.keys()])].sort();
  return keys
    .filter((k) => (want.get(k) ?? 0) !== (got.get(k) ?? 0))
    .map((k) => `${k}: want ${want.get(k) ?? 0}, got ${got.get(k) ?? 0}`);
}

/** `client → server-v1 200 ×6, …`. */
export function describeCounts(table: CountTable): string {
  if (table.size === 0) return 'nothing counted';
  return [...table]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
}

/** The histograms of one reporter for one caller, bucket counts added up over destinations and codes. */
export function mergedHistogram(
  metrics: MeshMetrics,
  reporter: MetricsReporter,
  source: string,
): { buckets: HistogramBucket[]; count: number } | undefined {
  const series = metrics.durations.filter(
    (d: RequestDurations) => d.reporter === reporter && d.source === source,
  );
  if (series.length === 0) return undefined;
  const byBound = new Map<number, number>();
  for (const s of series) for (const b of s.buckets) byBound.set(b.le, (byBound.get(b.le) ?? 0) + b.count);
  return {
    buckets: [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    count: series.reduce((sum, s) => sum + s.count, 0),
  };
}

/** One request's duration as the mesh must have seen it: at least the server's delay, about at most the client's latency. */
export interface DurationBounds {
  readonly atLeastMs: number;
  readonly clientMs: number;
}

/** How far the client's latency may fall short of the proxy's measurement (its clock is read once per event loop, in whole ms). */
export const proxyClockSlackMs = 5;

/**
 * Bucket by bucket, what the cumulative count of a histogram may be for these requests (pure): at
 * most the requests whose server delay is within the bound (no proxy can see a request end before
 * the server answered it), at least those the client saw complete within the bound below minus
 * {@link proxyClockSlackMs} (one bucket of slack on that side, where a loaded machine adds time), and
 * exactly all of them at `+Inf`. Returns the buckets that break these bounds.
 */
export function histogramViolations(
  histogram: { buckets: readonly HistogramBucket[]; count: number },
  requests: readonly DurationBounds[],
): string[] {
  const problems: string[] = [];
  const n = requests.length;
  let below = 0;
  histogram.buckets.forEach((bucket, k) => {
    const previous = k > 0 ? (histogram.buckets[k - 1]?.le ?? 0) : 0;
    const atMost = Number.isFinite(bucket.le) ? requests.filter((r) => r.atLeastMs <= bucket.le).length : n;
    const atLeast = Number.isFinite(bucket.le)
      ? k === 0
        ? 0
        : requests.filter((r) => r.clientMs + proxyClockSlackMs <= previous).length
      : n;
    const le = Number.isFinite(bucket.le) ? String(bucket.le) : '+Inf';
    if (bucket.count > atMost || bucket.count < atLeast)
      problems.push(
        `le=${le}: ${bucket.count}, want ${atLeast === atMost ? atMost : `${atLeast}..${atMost}`}`,
      );
    if (bucket.count < below)
      problems.push(`le=${le}: ${bucket.count} is below the bucket before it (${below})`);
    below = bucket.count;
  });
  if (histogram.count !== n) problems.push(`_count ${histogram.count}, want ${n}`);
  return [...new Set(problems)];
}

/** `le=0.5: 0, le=1: 0, … le=+Inf: 32`, the buckets as the report shows them. */
export function describeHistogram(histogram: { buckets: readonly HistogramBucket[] } | undefined): string {
  if (!histogram) return 'no histogram';
  return histogram.buckets.map((b) => `le=${Number.isFinite(b.le) ? b.le : '+Inf'}: ${b.count}`).join(', ');
}

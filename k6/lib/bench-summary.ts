/**
 * The sidecar-overhead benchmark's k6 side, pure and free of k6 imports so that k6 runs it in the
 * caller pods and vitest tests it here: the plan a run is given, the k6 options it becomes (a
 * constant-arrival-rate scenario after a warm-up one), the per-request latency lines and the
 * summary line k6 prints, and their decoding by the harness.
 */

/** What one `k6 run bench-rate.ts` is told to do (passed as JSON in MESHPROOF_BENCH). */
export interface K6BenchPlan {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Arrivals per second. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Same rate before the measured scenario; not reported. 0 for none. */
  readonly warmupSeconds: number;
  /** VUs k6 allocates before starting (each holds one keep-alive connection). */
  readonly preAllocatedVUs: number;
  /** No more VUs than this: arrivals beyond are dropped (dropped_iterations). */
  readonly maxVUs: number;
  readonly timeoutMs: number;
}

/** Prefix of the per-request lines: `MESHPROOF_LAT <microseconds> <status>`. */
export const latencyLinePrefix = 'MESHPROOF_LAT ';
/** Prefix of the one summary line printed by handleSummary. */
export const summaryLinePrefix = 'MESHPROOF_BENCH_SUMMARY ';
/** Name of the measured scenario (the warm-up one is `warmup`). */
export const measuredScenario = 'measure';

/** Parses and checks MESHPROOF_BENCH; a bad plan stops the script at once. */
export function parseK6BenchPlan(text: string): K6BenchPlan {
  const plan = JSON.parse(text) as Partial<K6BenchPlan>;
  if (typeof plan.url !== 'string' || !/^https?:\/\//.test(plan.url))
    throw new Error('plan.url must be an http URL');
  if (typeof plan.method !== 'string') throw new Error('plan.method must be a string');
  if (typeof plan.headers !== 'object' || plan.headers === null)
    throw new Error('plan.headers must be an object');
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  for (const key of ['rate', 'durationSeconds', 'preAllocatedVUs', 'maxVUs', 'timeoutMs'] as const) {
    if (!positive(plan[key])) throw new Error(`plan.${key} must be a positive integer`);
  }
  if (
    typeof plan.warmupSeconds !== 'number' ||
    !Number.isInteger(plan.warmupSeconds) ||
    plan.warmupSeconds < 0
  ) {
    throw new Error('plan.warmupSeconds must be a whole number ≥ 0');
  }
  return plan as K6BenchPlan;
}

/**
 * The k6 options of a plan: a warm-up scenario, then the measured constant-arrival-rate scenario.
 * Thresholds that always hold make k6 keep sub-metrics of the measured scenario alone in the
 * summary (the usual way to get per-scenario figures out of k6).
 */
export function k6BenchOptions(plan: K6BenchPlan): Record<string, unknown> {
  const scenario = (duration: number) => ({
    executor: 'constant-arrival-rate',
    rate: plan.rate,
    timeUnit: '1s',
    duration: `${duration}s`,
    preAllocatedVUs: plan.preAllocatedVUs,
    maxVUs: plan.maxVUs,
    gracefulStop: `${Math.ceil(plan.timeoutMs / 1000)}s`,
  });
  const scenarios: Record<string, unknown> = {};
  if (plan.warmupSeconds > 0) scenarios.warmup = scenario(plan.warmupSeconds);
  scenarios[measuredScenario] = {
    ...scenario(plan.durationSeconds),
    // Straight after the warm-up: the schedule continues without a gap.
    startTime: `${plan.warmupSeconds}s`,
  };
  const measured = (metric: string) => `${metric}{scenario:${measuredScenario}}`;
  return {
    scenarios,
    discardResponseBodies: true,
    summaryTrendStats: ['min', 'avg', 'med', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
    thresholds: {
      [measured('iterations')]: ['count>=0'],
      [measured('dropped_iterations')]: ['count>=0'],
      [measured('http_reqs')]: ['count>=0'],
      [measured('http_req_failed')]: ['rate>=0'],
      [measured('http_req_duration')]: ['max>=0'],
    },
  };
}

/** The part of a k6 response's timings the benchmark reads. */
export interface K6TimingsLike {
  readonly duration: number;
  readonly connecting: number;
  readonly tls_handshaking: number;
}

/**
 * One request's line: latency in whole microseconds (request duration plus any connection set-up,
 * which a new connection costs the caller), and the status (0: no response).
 */
export function encodeLatencyLine(timings: K6TimingsLike, status: number): string {
  const ms = timings.duration + timings.connecting + timings.tls_handshaking;
  return `${latencyLinePrefix}${Math.max(0, Math.round(ms * 1000))} ${status}`;
}

/** Latencies (µs) and statuses of the measured requests, read back from k6's console output. */
export function decodeLatencyLines(output: string): {
  readonly latenciesUs: number[];
  readonly statuses: number[];
} {
  const latenciesUs: number[] = [];
  const statuses: number[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf(latencyLinePrefix);
    if (at < 0) continue;
    const [us, status] = line
      .slice(at + latencyLinePrefix.length)
      .trim()
      .split(' ')
      .map(Number);
    if (us === undefined || status === undefined || !Number.isFinite(us) || !Number.isFinite(status))
      continue;
    latenciesUs.push(us);
    statuses.push(status);
  }
  return { latenciesUs, statuses };
}

/** The shape of k6's handleSummary data the benchmark reads. */
export interface K6SummaryData {
  readonly metrics: Readonly<Record<string, { readonly values: Readonly<Record<string, number>> }>>;
}

/** The measured scenario's counters, as printed on the summary line. */
export interface K6BenchSummary {
  readonly iterations: number;
  readonly droppedIterations: number;
  readonly httpReqs: number;
  readonly failedRate: number;
  /** k6's own http_req_duration percentiles (ms), for cross-checking the harness's histogram. */
  readonly durationMs: Readonly<Record<string, number>>;
}

/** Picks the measured scenario's figures out of k6's summary data (pure). */
export function benchSummaryFrom(data: K6SummaryData): K6BenchSummary {
  const metric = (name: string) => data.metrics[`${name}{scenario:${measuredScenario}}`]?.values ?? {};
  return {
    iterations: metric('iterations').count ?? 0,
    droppedIterations: metric('dropped_iterations').count ?? 0,
    httpReqs: metric('http_reqs').count ?? 0,
    failedRate: metric('http_req_failed').rate ?? 0,
    durationMs: { ...metric('http_req_duration') },
  };
}

/** What handleSummary prints on stdout: one line. */
export function summaryOutput(data: K6SummaryData): string {
  return `${summaryLinePrefix}${JSON.stringify(benchSummaryFrom(data))}\n`;
}

/** Reads the summary line back; undefined when k6 printed none (it failed before the end). */
export function decodeBenchSummary(output: string): K6BenchSummary | undefined {
  const line = output.split('\n').find((l) => l.includes(summaryLinePrefix));
  if (!line) return undefined;
  return JSON.parse(line.slice(line.indexOf(summaryLinePrefix) + summaryLinePrefix.length)) as K6BenchSummary;
}

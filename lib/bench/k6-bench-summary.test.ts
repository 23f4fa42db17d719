import { describe, expect, it } from 'vitest';
import {
  benchSummaryFrom,
  decodeBenchSummary,
  decodeLatencyLines,
  encodeLatencyLine,
  type K6BenchPlan,
  k6BenchOptions,
  parseK6BenchPlan,
  summaryOutput,
} from '../../k6/lib/bench-summary.ts';

const plan: K6BenchPlan = {
  url: 'http://server-v1.meshproof.svc.cluster.local/bench',
  method: 'GET',
  headers: { 'x-echo-payload-bytes': '1024' },
  rate: 1000,
  durationSeconds: 20,
  warmupSeconds: 2,
  preAllocatedVUs: 50,
  maxVUs: 200,
  timeoutMs: 5000,
};

describe('the k6 benchmark plan', () => {
  it('parses a complete plan and refuses a broken one, naming the field', () => {
    expect(parseK6BenchPlan(JSON.stringify(plan))).toEqual(plan);
    expect(() => parseK6BenchPlan(JSON.stringify({ ...plan, url: 'server' }))).toThrow('url');
    expect(() => parseK6BenchPlan(JSON.stringify({ ...plan, rate: 0 }))).toThrow('rate');
    expect(() => parseK6BenchPlan(JSON.stringify({ ...plan, warmupSeconds: -1 }))).toThrow('warmupSeconds');
  });

  it('becomes a warm-up then a measured constant-arrival-rate scenario, with sub-metrics of the measured one', () => {
    const options = k6BenchOptions(plan) as {
      scenarios: Record<string, Record<string, unknown>>;
      thresholds: Record<string, string[]>;
      summaryTrendStats: string[];
    };
    expect(options.scenarios.warmup).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 1000,
      duration: '2s',
    });
    expect(options.scenarios.measure).toMatchObject({
      executor: 'constant-arrival-rate',
      rate: 1000,
      timeUnit: '1s',
      duration: '20s',
      startTime: '2s',
      preAllocatedVUs: 50,
      maxVUs: 200,
    });
    expect(Object.keys(options.thresholds)).toContain('dropped_iterations{scenario:measure}');
    expect(options.summaryTrendStats).toContain('p(99.9)');
    const noWarmup = k6BenchOptions({ ...plan, warmupSeconds: 0 }) as { scenarios: Record<string, unknown> };
    expect(Object.keys(noWarmup.scenarios)).toEqual(['measure']);
  });
});

describe('what k6 prints and the harness reads back', () => {
  it('round-trips latency lines in microseconds, ignoring other output', () => {
    const lines = [
      'time="…" level=warning msg="something"',
      encodeLatencyLine({ duration: 0.8123, connecting: 0, tls_handshaking: 0 }, 200),
      encodeLatencyLine({ duration: 1.5, connecting: 0.25, tls_handshaking: 0.25 }, 503),
      encodeLatencyLine({ duration: 5000, connecting: 0, tls_handshaking: 0 }, 0),
    ].join('\n');
    expect(decodeLatencyLines(lines)).toEqual({
      latenciesUs: [812, 2000, 5_000_000],
      statuses: [200, 503, 0],
    });
  });

  it("picks the measured scenario's counters from handleSummary data and round-trips the summary line", () => {
    const data = {
      metrics: {
        'iterations{scenario:measure}': { values: { count: 19_990, rate: 999.5 } },
        'dropped_iterations{scenario:measure}': { values: { count: 10, rate: 0.5 } },
        'http_reqs{scenario:measure}': { values: { count: 19_990, rate: 999.5 } },
        'http_req_failed{scenario:measure}': { values: { rate: 0.001, passes: 20, fails: 19_970 } },
        'http_req_duration{scenario:measure}': { values: { med: 0.9, 'p(99)': 3.2, max: 12 } },
        iterations: { values: { count: 22_000 } },
      },
    };
    const summary = benchSummaryFrom(data);
    expect(summary).toEqual({
      iterations: 19_990,
      droppedIterations: 10,
      httpReqs: 19_990,
      failedRate: 0.001,
      durationMs: { med: 0.9, 'p(99)': 3.2, max: 12 },
    });
    expect(decodeBenchSummary(`noise\n${summaryOutput(data)}`)).toEqual(summary);
    expect(decodeBenchSummary('k6 failed')).toBeUndefined();
  });
});

/**
 * The sidecar-overhead benchmark's load from inside a caller pod: a constant arrival rate (k6's
 * constant-arrival-rate executor: iterations start on schedule, and those that find no free VU
 * are dropped and counted) after a warm-up, one latency line per measured request and one
 * summary line at the end.
 * Run by the harness as: k6 run --quiet --no-usage-report --log-format=raw -e MESHPROOF_BENCH='<json>' bench-rate.ts
 */
import exec from 'k6/execution';
import http from 'k6/http';
import {
  encodeLatencyLine,
  type K6BenchPlan,
  type K6SummaryData,
  k6BenchOptions,
  measuredScenario,
  parseK6BenchPlan,
  summaryOutput,
} from './lib/bench-summary.ts';

const plan: K6BenchPlan = parseK6BenchPlan(__ENV.MESHPROOF_BENCH ?? '');

export const options = k6BenchOptions(plan);

export default function (): void {
  const response = http.request(plan.method, plan.url, null, {
    headers: { ...plan.headers },
    timeout: `${plan.timeoutMs}ms`,
    responseType: 'none',
    redirects: 0,
  });
  if (exec.scenario.name !== measuredScenario) return;
  console.log(encodeLatencyLine(response.timings, response.status));
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return { stdout: summaryOutput(data) };
}

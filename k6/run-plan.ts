/**
 * Sends one traffic plan from inside a caller pod and prints one observation line per request.
 * Run by the harness as (k6 v2): k6 run --quiet --summary-mode=disabled --no-usage-report --log-format=raw
 *   -e MESHPROOF_PLAN='<json>' run-plan.ts
 */
import exec from 'k6/execution';
import http from 'k6/http';
import { encodeObservation, observationFrom } from './lib/observation.ts';
import { type K6Plan, parseK6Plan } from './lib/plan.ts';

const plan: K6Plan = parseK6Plan(__ENV.MESHPROOF_PLAN ?? '');

export const options = {
  scenarios: {
    plan: {
      executor: 'shared-iterations',
      vus: Math.max(1, Math.min(plan.concurrency, plan.requests)),
      iterations: plan.requests,
      maxDuration: `${plan.maxDurationSeconds}s`,
    },
  },
  // Observations carry the latencies; k6's own summary is not needed.
  summaryTrendStats: ['max'],
};

export default function (): void {
  const index = exec.scenario.iterationInTest;
  const requestId = `${plan.requestIdPrefix}${index}`;
  const sentAtMs = Date.now() - exec.scenario.startTime;
  const arm = plan.arms?.[index % plan.arms.length];
  const response = http.request(plan.method, plan.url, null, {
    headers: { ...plan.headers, ...arm?.headers, [plan.requestIdHeader]: requestId },
    timeout: `${plan.timeoutMs}ms`,
    responseType: 'text',
    redirects: 0,
  });
  const observation = observationFrom(response as never, requestId, sentAtMs);
  console.log(encodeObservation(arm ? { ...observation, arm: arm.name } : observation));
}

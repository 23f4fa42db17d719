import { probedRoute } from '../../lib/judges/route-probe.ts';
import {
  defineCheck,
  describeAttempts,
  describeOutcomes,
  Feature,
  isSuccess,
} from '../../lib/model/index.ts';

const perTryTimeoutMs = 200;
const slowFirstAttemptMs = 1_500;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: { attempts: 2, perTryTimeoutMs, retryOn: ['5xx'] } }],
  'v2',
);

/** A slow attempt is abandoned at the per-try timeout and retried, well before it would finish. */
export const retriesPerTryTimeout = defineCheck({
  id: 'resilience.retries.per-try-timeout',
  description: `With a ${perTryTimeoutMs} ms per-try timeout, a request whose first attempt would take ${slowFirstAttemptMs} ms is retried at the timeout and succeeds on attempt 2, long before the slow attempt would have answered.`,
  features: [Feature.Retries, Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    slowFirst: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: slowFirstAttemptMs, delayAttempts: 1 },
      requests: 10,
      concurrency: 10,
      ledger: true,
    },
  },
  judge: ({ slowFirst }) => {
    // Answered by the retry: after the per-try timeout, and well before the slow attempt ends.
    const inBand = (ms: number) => ms >= perTryTimeoutMs * 0.9 && ms < slowFirstAttemptMs * 0.8;
    const good = slowFirst.filter((o) => isSuccess(o) && o.attempt === 2 && inBand(o.latencyMs));
    const latencies = slowFirst.map((o) => Math.round(o.latencyMs));
    return {
      status: good.length === slowFirst.length ? 'PASSED' : 'FAILED',
      want: `2xx from attempt 2 ×${slowFirst.length}, each within ${Math.round(perTryTimeoutMs * 0.9)}–${slowFirstAttemptMs * 0.8} ms`,
      got: `${describeOutcomes(slowFirst)}; answering attempt ${[...new Set(slowFirst.map((o) => o.attempt ?? '-'))].join('/')}; ${describeAttempts(slowFirst)}; latency ${Math.min(...latencies)}–${Math.max(...latencies)} ms`,
      evidence: {
        perTryTimeoutMs,
        latenciesMs: latencies,
        attempts: slowFirst.map((o) => o.serverAttempts ?? 0),
      },
    };
  },
});

import { latencyEvidence } from '../../lib/judges/latency.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, describeOutcomes, Feature, noRetries } from '../../lib/model/index.ts';

const timeoutMs = 300;
const serverDelayMs = 2_000;
/** A timeout fires no earlier than declared and not much later (scheduling, proxy timers). */
const band = { fromMs: timeoutMs * 0.95, toMs: timeoutMs + Math.max(250, timeoutMs * 0.5) };
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], timeoutMs, retries: noRetries }],
  'v2',
);

/** A slow server is cut off at the route timeout with 504. */
export const routeTimeout = defineCheck({
  id: 'resilience.timeout.route-timeout',
  description: `With a ${timeoutMs} ms route timeout and no retries, a server taking ${serverDelayMs} ms yields 504 to the client within ${band.fromMs}–${band.toMs} ms.`,
  features: [Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    slow: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: serverDelayMs },
      requests: 10,
      concurrency: 10,
    },
  },
  judge: ({ slow }) => {
    const timedOut = slow.filter(
      (o) =>
        o.outcome === 'response' &&
        o.status === 504 &&
        o.latencyMs >= band.fromMs &&
        o.latencyMs <= band.toMs,
    );
    const latency = latencyEvidence(slow, band);
    return {
      status: timedOut.length === slow.length ? 'PASSED' : 'FAILED',
      want: `504 ×${slow.length}, each arriving within ${band.fromMs}–${band.toMs} ms`,
      got: `${describeOutcomes(slow)}; latency ${latency.summary}`,
      evidence: { timeoutMs, latency },
    };
  },
});

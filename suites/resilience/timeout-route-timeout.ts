import { latencyEvidence } from '../../lib/judges/latency.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import { defineCheck, describeOutcomes, Feature, noRetries, values } from '../../lib/model/index.ts';

const timeoutMs = 500;
const serverDelayMs = 5_000;
/** A timer may fire a hair early against the client's clock; 2% allows for that. */
const cutFromMs = timeoutMs * 0.98;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], timeoutMs, retries: noRetries }],
  'v2',
);

/** A slow server is cut off at the route timeout with 504. */
export const routeTimeout = defineCheck({
  id: 'resilience.timeout.route-timeout',
  description: `With a ${timeoutMs} ms route timeout and no retries, a server taking ${serverDelayMs} ms yields 504 from the caller's proxy (not the server's answer, and not the neighbouring 503 or 502), no earlier than ${cutFromMs} ms. Bounds: only a lower one, which load cannot break (load adds time, never removes it); there is no upper latency bound, because a loaded machine can delay any answer and every defect this check exists for answers with another status or lets the server answer after ${serverDelayMs} ms.`,
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
      // Long enough that a mesh ignoring the timeout is seen answering, not the client giving up.
      timeoutMs: serverDelayMs * 2,
    },
  },
  judge: ({ slow }) => {
    const timedOut = slow.filter(
      (o) => o.outcome === 'response' && o.status === 504 && !o.servedBy && o.latencyMs >= cutFromMs,
    );
    const latency = latencyEvidence(slow, { fromMs: cutFromMs, toMs: serverDelayMs }, [
      { label: 'timeout', ms: timeoutMs },
    ]);
    return {
      status: timedOut.length === slow.length ? 'PASSED' : 'FAILED',
      want: `504 from the proxy ×${slow.length}, none before ${cutFromMs} ms`,
      got: `${describeOutcomes(slow)}; ${slow.length - timedOut.length} not a proxy 504 at or after ${cutFromMs} ms; latency ${latency.summary}`,
      evidence: { ...values({ timeoutMs }), latency },
    };
  },
});

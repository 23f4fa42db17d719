import { latencyEvidence } from '../../lib/judges/latency.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import {
  defineCheck,
  describeOutcomes,
  Feature,
  isSuccess,
  noRetries,
  values,
} from '../../lib/model/index.ts';

const timeoutMs = 3_000;
const serverDelayMs = 1_000;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], timeoutMs, retries: noRetries }],
  'v2',
);

/** A route timeout must not cut off responses that arrive in time. */
export const noPrematureTimeout = defineCheck({
  id: 'resilience.timeout.no-premature-timeout',
  description: `With a ${timeoutMs} ms route timeout, a server answering in ${serverDelayMs} ms is never cut off: every request ends 2xx from the server, after at least ${serverDelayMs} ms. Bounds: the server's delay is a lower bound load cannot break; the ${timeoutMs - serverDelayMs} ms between the answer and the timeout is the room a loaded machine has before a conformant mesh would rightly cut it, and a timeout applied early (a quarter of it, ${timeoutMs / 4} ms, is before the answer) is the near miss it catches.`,
  features: [Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    inTime: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: serverDelayMs },
      requests: 10,
      concurrency: 10,
    },
  },
  judge: ({ inTime }) => {
    const served = inTime.filter((o) => isSuccess(o) && o.servedBy && o.latencyMs >= serverDelayMs * 0.98);
    const band = { fromMs: serverDelayMs, toMs: timeoutMs };
    const latency = latencyEvidence(inTime, band, [{ label: 'timeout', ms: timeoutMs }]);
    return {
      status: served.length === inTime.length ? 'PASSED' : 'FAILED',
      want: `2xx from the server ×${inTime.length}, none cut off before the ${timeoutMs} ms timeout`,
      got: `${describeOutcomes(inTime)}; latency ${latency.summary}`,
      evidence: { ...values({ timeoutMs }), latency },
    };
  },
});

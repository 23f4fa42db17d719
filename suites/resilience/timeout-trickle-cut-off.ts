import { latencyEvidence } from '../../lib/judges/latency.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Observation } from '../../lib/model/index.ts';
import {
  defineCheck,
  describeOutcomes,
  Feature,
  isSuccess,
  noRetries,
  values,
} from '../../lib/model/index.ts';

const timeoutMs = 1_500;
const trickleMs = 6_000;
const inTimeTrickleMs = 600;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], timeoutMs, retries: noRetries }],
  'v2',
);

/**
 * Cut off by the mesh at or after the route timeout: the body broke off (headers and part of it
 * came through), or, for a mesh that holds the response back, a 504. The client giving up is not a cut.
 */
const cutOff = (o: Observation) =>
  o.latencyMs >= timeoutMs * 0.98 &&
  ((o.outcome === 'response' && o.status === 504 && !o.servedBy) ||
    o.outcome === 'reset' ||
    o.outcome === 'error');

/** The route timeout bounds the whole response: a server that trickles its body is cut off. */
export const timeoutTrickleCutOff = defineCheck({
  id: 'resilience.timeout.trickle-cut-off',
  description: `The route timeout bounds the whole response, not only the silence between bytes (Envoy's route timeout runs from the end of the request to the end of the response). With a ${timeoutMs} ms route timeout, a server that sends its headers at once and then trickles the body over ${trickleMs} ms is cut off (the body breaks off, or a 504 if the mesh holds the headers back), no earlier than ${timeoutMs * 0.98} ms; and one that trickles for only ${inTimeTrickleMs} ms is delivered whole (the near miss: a deadline that runs out early). Bounds: the timeout as a lower bound, which load cannot break; the cut is told from the end of the response by how the request ended, not by latency; the client waits ${trickleMs * 2} ms, so a mesh that never cuts is seen delivering the body. The ${timeoutMs - inTimeTrickleMs} ms between the short trickle's end and the timeout is the room a loaded machine has.`,
  features: [Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    trickling: {
      caller: 'client',
      service: 'server',
      echo: { trickleMs },
      requests: 6,
      concurrency: 6,
      timeoutMs: trickleMs * 2,
    },
    inTime: {
      caller: 'client',
      service: 'server',
      echo: { trickleMs: inTimeTrickleMs },
      requests: 6,
      concurrency: 6,
    },
  },
  judge: ({ trickling, inTime }) => {
    const cut = trickling.filter(cutOff).length;
    const whole = inTime.filter((o) => isSuccess(o) && o.servedBy).length;
    const latency = latencyEvidence(trickling, { fromMs: timeoutMs * 0.98, toMs: trickleMs }, [
      { label: 'timeout', ms: timeoutMs },
    ]);
    const headers = trickling.flatMap((o) => (o.headersMs === undefined ? [] : [Math.round(o.headersMs)]));
    return {
      status: cut === trickling.length && whole === inTime.length ? 'PASSED' : 'FAILED',
      want: `trickling ${trickleMs} ms: cut off by the mesh ×${trickling.length}, none before ${timeoutMs * 0.98} ms; trickling ${inTimeTrickleMs} ms: 2xx whole ×${inTime.length}`,
      got: `trickling ${trickleMs} ms: ${describeOutcomes(trickling)}, ${cut} cut off by the mesh at or after ${timeoutMs * 0.98} ms, latency ${latency.summary}${headers.length > 0 ? `, headers after ${Math.min(...headers)}–${Math.max(...headers)} ms` : ''}; trickling ${inTimeTrickleMs} ms: ${describeOutcomes(inTime)}`,
      evidence: { ...values({ timeoutMs, trickleMs }), latency, ...values({ headersMs: headers }) },
    };
  },
});

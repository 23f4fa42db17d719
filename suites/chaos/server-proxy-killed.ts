import { defineChaosCheck } from '../../lib/chaos/define-chaos-check.ts';
import {
  actionOf,
  describeOutcomeClasses,
  describeWindows,
  requestsLost,
  steadyStateWindows,
  timelineEvidence,
} from '../../lib/chaos/steady-state.ts';
import { at, describeServedBy, Feature, isSuccess, values } from '../../lib/model/index.ts';

const ratePerS = 40;
const durationMs = 3_000;
/** After the restart, connections to the restarted endpoint are made again. */
const settleMs = 300;

/** One endpoint's proxy killed: the mesh's default retries send its share elsewhere at once. */
export const serverProxyKilled = defineChaosCheck({
  id: 'chaos.proxy.server-proxy-killed',
  description: `The client sends ${ratePerS} requests/s open loop to server, which has no route, so every endpoint (v1, v2, v3) serves it under the mesh's default retry policy (Istio: 2 retries on connect-failure, each to an endpoint not tried yet). At 0.8 s server-v1's proxy is killed (SIGKILL), at 1.8 s restarted. Hypotheses: every request sent while the proxy is down succeeds, answered by another endpoint (none waits for v1 to come back); requests lost over the whole timeline at most those in flight while its proxy was being killed (a reset after the request was sent is not a connect failure, and Istio's default does not retry it); from ${settleMs} ms after the restart, success again and v1 serving; the time until v1 serves again is reported. Bounds: outcomes only, no latency bound. Near misses: retries that go back to the endpoint that failed (each waits a turn-around, and is lost or answered late by the restarted v1), no default retries (v1's share lost while it is down).`,
  features: [Feature.Retries],
  profile: 'extended',
  intents: [],
  timeline: {
    streams: { steady: { plan: { caller: 'client', service: 'server', requests: 1 }, ratePerS } },
    durationMs,
    // The steady state after the disruption is observed for at least a second, however long the actions took.
    tailMs: settleMs + 1_000,
    actions: [
      { when: at('0.8s'), action: { kind: 'kill-proxy', version: 'v1' }, label: "kill server-v1's proxy" },
      {
        when: at('1.8s'),
        action: { kind: 'restart-proxy', version: 'v1' },
        label: "restart server-v1's proxy",
      },
    ],
    judge: (record) => {
      const steady = record.streams.steady;
      const killed = actionOf(record.actions, 'kill-proxy');
      const restarted = actionOf(record.actions, 'restart-proxy');
      const windows = steadyStateWindows(
        'steady',
        steady,
        { fromMs: killed.startedAtMs, toMs: restarted.endedAtMs },
        settleMs,
        record.durationMs,
        { before: 0.99, during: 0.99, after: 0.99 },
      );
      // Sent once the proxy was dead, and before its restart was ordered.
      const whileDown = steady.filter(
        (o) => o.sentAtMs >= killed.endedAtMs && o.sentAtMs < restarted.startedAtMs,
      );
      const elsewhere = whileDown.filter((o) => isSuccess(o) && o.servedBy && o.servedBy.version !== 'v1');
      // In flight while the kill took place (it takes a few ms to end master and workers): a
      // request reset after it was sent is not a connect failure, so no default retry saves it.
      const inFlightAtKill = steady.filter(
        (o) => o.sentAtMs <= killed.endedAtMs && o.endedAtMs > killed.startedAtMs,
      ).length;
      const lost = requestsLost(steady);
      const v1Back = steady.find(
        (o) => o.sentAtMs >= restarted.startedAtMs && isSuccess(o) && o.servedBy?.version === 'v1',
      );
      const v1BackMs = v1Back ? Math.round(v1Back.sentAtMs - restarted.startedAtMs) : null;
      const steadyHeld = windows.filter((w) => w.window !== 'during').every((w) => w.held);
      const passed =
        whileDown.length > 0 &&
        elsewhere.length === whileDown.length &&
        lost <= inFlightAtKill &&
        steadyHeld &&
        v1Back !== undefined;
      return {
        status: passed ? 'PASSED' : 'FAILED',
        want: `the ${whileDown.length} request(s) sent while v1's proxy was down all answered by v2 or v3; at most ${inFlightAtKill} lost (in flight while the proxy was killed); v1 serving again after the restart`,
        got: `while down: ${describeServedBy(whileDown)}; whole timeline: ${describeOutcomeClasses(steady)} (${lost} lost); v1 ${v1BackMs === null ? 'never served again' : `served again ${v1BackMs} ms after the restart was ordered`}; ${describeWindows(windows)}`,
        evidence: values({
          requestsLost: lost,
          inFlightAtKill,
          sentWhileDown: whileDown.length,
          answeredElsewhere: elsewhere.length,
          v1BackMs,
        }),
        timeline: timelineEvidence(record, windows),
      };
    },
  },
});

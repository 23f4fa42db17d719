import { defineChaosCheck } from '../../lib/chaos/define-chaos-check.ts';
import {
  actionOf,
  describeOutcomeClasses,
  describeWindows,
  recoveryMs,
  steadyStateWindows,
  timelineEvidence,
} from '../../lib/chaos/steady-state.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Observation } from '../../lib/model/index.ts';
import { at, Feature, noRetries, values } from '../../lib/model/index.ts';

const ratePerS = 20;
const durationMs = 3_600;
const timeoutMs = 300;
/** Ten times the route timeout: a mesh that waits for the paused server is seen hanging, not cut by the client. */
const clientTimeoutMs = timeoutMs * 10;
/** After the app continues, it answers what queued up; the client may see a few failures for this long. */
const settleMs = 500;

const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], timeoutMs, retries: noRetries }],
  'v3',
);

/** The proxy's timeout answer: a 504 the server's app did not send. */
const proxyTimeout = (o: Observation) => o.outcome === 'response' && o.status === 504 && !o.servedBy;

/** A server that hangs (paused, not dead) is cut off at the route timeout, not waited for. */
export const replicaHangs = defineChaosCheck({
  id: 'chaos.workload.replica-hangs',
  description: `With a ${timeoutMs} ms route timeout and no retries, server-v1's app is paused (SIGSTOP) at 0.8 s and continued (SIGCONT) at 2.3 s while the client sends ${ratePerS} requests/s open loop to it (client timeout ${clientTimeoutMs} ms). A paused process still has its connections accepted by the kernel, so only a response timeout notices it. Hypotheses: every request sent while the app is paused, early enough to time out before it continues, ends with the caller proxy's 504 (none hangs until the client gives up, none is answered late by the app); before the pause and from ${settleMs} ms after it ends, the success interval is not below 99%; the time to recover is reported. Bounds: outcomes only, no latency bound, which a loaded machine could break. Near misses: no route timeout (requests wait for the app and are answered when it continues, or hang), a timeout that ends the request with another status.`,
  features: [Feature.Timeouts],
  profile: 'extended',
  intents: [route],
  convergence,
  timeline: {
    streams: {
      steady: {
        plan: { caller: 'client', service: 'server', timeoutMs: clientTimeoutMs, requests: 1 },
        ratePerS,
      },
    },
    durationMs,
    // The steady state after the disruption is observed for at least a second, however long the actions took.
    tailMs: settleMs + 800,
    actions: [
      { when: at('0.8s'), action: { kind: 'pause-workload', version: 'v1' }, label: "pause server-v1's app" },
      {
        when: at('2.3s'),
        action: { kind: 'resume-workload', version: 'v1' },
        label: "continue server-v1's app",
      },
    ],
    judge: (record) => {
      const steady = record.streams.steady;
      const paused = actionOf(record.actions, 'pause-workload');
      const resumed = actionOf(record.actions, 'resume-workload');
      const windows = steadyStateWindows(
        'steady',
        steady,
        { fromMs: paused.startedAtMs, toMs: resumed.endedAtMs },
        settleMs,
        record.durationMs,
        { before: 0.99, during: 0, after: 0.99 },
      );
      // Sent after the pause took effect and early enough that the timeout ends them before the app continues.
      const hung = steady.filter(
        (o) => o.sentAtMs >= paused.endedAtMs && o.sentAtMs + timeoutMs < resumed.startedAtMs,
      );
      const cut = hung.filter(proxyTimeout);
      const steadyHeld = windows.filter((w) => w.window !== 'during').every((w) => w.held);
      const recovery = recoveryMs(steady, resumed.startedAtMs);
      const passed = hung.length > 0 && cut.length === hung.length && steadyHeld;
      return {
        status: passed ? 'PASSED' : 'FAILED',
        want: `the ${hung.length} request(s) sent while the app was paused each end with the proxy's 504; success before and after the pause`,
        got: `paused: ${describeOutcomeClasses(hung)} (${cut.length} proxy 504); whole timeline: ${describeOutcomeClasses(steady)}; recovered ${recovery === null ? 'never' : `${Math.round(recovery)} ms after the app continued`}; ${describeWindows(windows)}`,
        evidence: values({
          timeoutMs,
          pausedRequests: hung.length,
          cutAtTimeout: cut.length,
          recoveryMs: recovery === null ? null : Math.round(recovery),
        }),
        timeline: timelineEvidence(record, windows),
      };
    },
  },
});

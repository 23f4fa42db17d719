import { defineChaosCheck } from '../../lib/chaos/define-chaos-check.ts';
import {
  describeWindows,
  disruptionOf,
  requestsLost,
  steadyStateWindows,
  timelineEvidence,
} from '../../lib/chaos/steady-state.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { HttpRouteIntent, TimedObservation } from '../../lib/model/index.ts';
import {
  at,
  describeOutcomes,
  describeServedBy,
  Feature,
  isSuccess,
  noRetries,
  values,
} from '../../lib/model/index.ts';

const ratePerS = 40;
const durationMs = 3_000;
/** Every request takes this long at the server, so that requests are in flight whenever the change lands. */
const serverDelayMs = 150;
/** After the change has been applied, requests may still be answered by the old route for this long (in flight when it landed). */
const settleMs = serverDelayMs * 2 + 200;

const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries }],
  'v3',
);
/** The same route with its default rule sent to v2: the change applied under traffic. */
const changed: HttpRouteIntent = {
  ...route,
  rules: route.rules.map((rule, i) =>
    i === route.rules.length - 1 ? { ...rule, backends: [{ version: 'v2', weight: 1 }] } : rule,
  ),
};

const servedBy = (version: string) => (o: TimedObservation) =>
  isSuccess(o) && o.servedBy?.version === version;

/** A route changed while traffic flows loses no request and takes effect. */
export const hitlessRouteChange = defineChaosCheck({
  id: 'chaos.config.hitless-route-change',
  description: `While a client sends ${ratePerS} requests/s open loop (each held ${serverDelayMs} ms by the server, so some are always in flight), the route of server is changed from v1 to v2 at 1 s. Hypotheses: no request is lost (bound: 0; not one 5xx, reset or refused connection from the reload); before the change every request is served by v1; from ${settleMs} ms after the change was applied, every one by v2 (the change took effect). Near misses: a reload by stopping and starting the proxy (a gap of refused connections and in-flight requests cut), a change that never lands (still v1 after), a change applied by a proxy that drops the connections it had.`,
  features: [Feature.WeightedRouting],
  profile: 'extended',
  intents: [route],
  convergence,
  timeline: {
    streams: {
      steady: {
        plan: { caller: 'client', service: 'server', echo: { delayMs: serverDelayMs }, requests: 1 },
        ratePerS,
      },
    },
    durationMs,
    // The steady state after the disruption is observed for at least a second, however long the actions took.
    tailMs: settleMs + 1_000,
    actions: [
      { when: at('1s'), action: { kind: 'apply-intents', intents: [changed] }, label: 'route server to v2' },
    ],
    judge: (record) => {
      const steady = record.streams.steady;
      const disruption = disruptionOf(record.actions);
      const windows = steadyStateWindows('steady', steady, disruption, settleMs, record.durationMs, {
        before: 0.99,
        during: 0.99,
        after: 0.99,
      });
      const before = steady.filter((o) => o.endedAtMs < disruption.fromMs);
      const after = steady.filter((o) => o.scheduledAtMs >= disruption.toMs + settleMs);
      const lost = requestsLost(steady);
      const wrongBefore = before.filter((o) => !servedBy('v1')(o)).length;
      const wrongAfter = after.filter((o) => !servedBy('v2')(o)).length;
      const passed = lost === 0 && wrongBefore === 0 && wrongAfter === 0 && after.length > 0;
      const applyMs = Math.round(disruption.toMs - disruption.fromMs);
      return {
        status: passed ? 'PASSED' : 'FAILED',
        want: `0 of ${steady.length} requests lost; before the change all served by v1, from ${settleMs} ms after it all by v2`,
        got: `${lost} lost (${describeOutcomes(steady)}); before: ${describeServedBy(before)}; after: ${describeServedBy(after)}; change applied in ${applyMs} ms; ${describeWindows(windows)}`,
        evidence: values({
          requestsLost: lost,
          applyMs,
          servedByV1Before: before.length - wrongBefore,
          servedByV2After: after.length - wrongAfter,
        }),
        timeline: timelineEvidence(record, windows),
      };
    },
  },
});

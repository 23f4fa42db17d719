import { defineChaosCheck } from '../../lib/chaos/define-chaos-check.ts';
import {
  actionOf,
  describeWindows,
  recoveryMs,
  requestsLost,
  steadyStateWindows,
  timelineEvidence,
} from '../../lib/chaos/steady-state.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Observation, TimedObservation } from '../../lib/model/index.ts';
import { at, describeOutcomes, Feature, isSuccess, noRetries, values } from '../../lib/model/index.ts';

const durationMs = 3_200;
/** After the proxy is back, the client's requests may fail for this long (connections re-made). */
const settleMs = 400;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: noRetries }],
  'v3',
);

/** A policy probe is admitted when the app answered it: any 2xx. Refused in any way (403, reset, refused, TLS) is what the policy wants. */
const admitted = (o: Observation) => isSuccess(o);
const refusedProbe = (o: Observation) => !admitted(o);

const describeAdmitted = (observations: readonly TimedObservation[]) => {
  const times = observations.filter(admitted).map((o) => `${(o.scheduledAtMs / 1000).toFixed(2)} s`);
  return times.length === 0
    ? 'none admitted'
    : `${times.length} admitted (at ${times.slice(0, 5).join(', ')}${times.length > 5 ? ', …' : ''})`;
};

/** mTLS and access policy hold while the server's proxy is killed and restarted. */
export const serverProxyRestartKeepsPolicy = defineChaosCheck({
  id: 'chaos.proxy.server-proxy-restart-keeps-policy',
  description: `Under STRICT mTLS and an access policy that lists only client, server-v1's proxy is killed (SIGKILL) at 0.8 s and restarted at 1.6 s while three open-loop streams flow: client (allowed, 20/s, routed to v1), frontend (meshed, not listed, 10/s) and outsider (plaintext, no identity, 15/s, to every server endpoint). Hypotheses: no plaintext or unlisted request is admitted at any time, before, during or after the restart (any one admission fails the check, whatever else happened); client succeeds before the kill and again from ${settleMs} ms after the restart (its success interval not below 99%); requests lost while the proxy is down and the time to recover are reported (one backend, so no retry can save them). Near misses: a restarted proxy that comes up on the mesh's defaults (PERMISSIVE, no policy) until the next change; a proxy that does not come back (client never recovers).`,
  features: [Feature.MtlsStrict, Feature.AuthzByIdentity],
  profile: 'extended',
  intents: [
    { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
    { kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client'] }] },
    route,
  ],
  convergence,
  timeline: {
    streams: {
      allowed: { plan: { caller: 'client', service: 'server', requests: 1 }, ratePerS: 20 },
      unlisted: { plan: { caller: 'frontend', service: 'server', requests: 1 }, ratePerS: 10 },
      plaintext: { plan: { caller: 'outsider', service: 'server', requests: 1 }, ratePerS: 15 },
    },
    durationMs,
    // The steady state after the disruption is observed for at least a second, however long the actions took.
    tailMs: settleMs + 1_000,
    actions: [
      { when: at('0.8s'), action: { kind: 'kill-proxy', version: 'v1' }, label: "kill server-v1's proxy" },
      {
        when: at('1.6s'),
        action: { kind: 'restart-proxy', version: 'v1' },
        label: "restart server-v1's proxy",
      },
    ],
    judge: (record) => {
      const { allowed, unlisted, plaintext } = record.streams;
      const killed = actionOf(record.actions, 'kill-proxy');
      const restarted = actionOf(record.actions, 'restart-proxy');
      const disruption = { fromMs: killed.startedAtMs, toMs: restarted.endedAtMs };
      const windows = [
        ...steadyStateWindows('allowed', allowed, disruption, settleMs, record.durationMs, {
          before: 0.99,
          during: 0,
          after: 0.99,
        }),
        ...steadyStateWindows(
          'unlisted',
          unlisted,
          disruption,
          settleMs,
          record.durationMs,
          { before: 1, during: 1, after: 1 },
          refusedProbe,
        ),
        ...steadyStateWindows(
          'plaintext',
          plaintext,
          disruption,
          settleMs,
          record.durationMs,
          { before: 1, during: 1, after: 1 },
          refusedProbe,
        ),
      ];
      const violations = [...unlisted, ...plaintext].filter(admitted).length;
      const allowedHeld = windows.filter((w) => w.stream === 'allowed').every((w) => w.held);
      const lost = requestsLost(allowed.filter((o) => o.scheduledAtMs >= disruption.fromMs));
      // From the moment the restart was ordered: the proxy's own start-up is part of the recovery.
      const recovery = recoveryMs(allowed, restarted.startedAtMs);
      const downMs = Math.round(restarted.endedAtMs - killed.startedAtMs);
      const passed = violations === 0 && allowedHeld;
      return {
        status: passed ? 'PASSED' : 'FAILED',
        want: 'no unlisted or plaintext request admitted at any time; client served before the kill and again after the restart',
        got: `unlisted: ${describeAdmitted(unlisted)} (${describeOutcomes(unlisted)}); plaintext: ${describeAdmitted(plaintext)} (${describeOutcomes(plaintext)}); client: ${lost} lost from the kill on, recovered ${recovery === null ? 'never' : `${Math.round(recovery)} ms after the restart was ordered`}; proxy down ${downMs} ms; ${describeWindows(windows)}`,
        evidence: values({
          policyViolations: violations,
          requestsLost: lost,
          recoveryMs: recovery === null ? null : Math.round(recovery),
          proxyDownMs: downMs,
          restartMs: Math.round(restarted.endedAtMs - restarted.startedAtMs),
        }),
        timeline: timelineEvidence(record, windows),
      };
    },
  },
});

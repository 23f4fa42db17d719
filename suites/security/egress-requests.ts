import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import type {
  CallerName,
  Check,
  Convergence,
  EgressPolicyIntent,
  ExternalDestination,
  Observation,
  TrafficPlan,
} from '../../lib/model/index.ts';
import {
  allowedExternalHost,
  countBy,
  defineCheck,
  describeOutcomes,
  externalServiceName,
  Feature,
  forbiddenExternalHost,
  isSuccess,
} from '../../lib/model/index.ts';

/*
 * What the egress checks share: registry-only egress allowing one external host, the requests
 * they send outside the mesh and what a conformant mesh does with each (Istio 1.30.3,
 * docs/reference-mesh-semantics.md "Egress").
 */

/** Registry-only egress for the callers' namespace, allowing ext.example on the `ext` fixture's port. */
export const allowExtExample: EgressPolicyIntent = {
  kind: 'EgressPolicy',
  allowed: [{ host: allowedExternalHost, destination: 'ext' }],
};

/** A caller's requests with Host `host`, dialled to the address of `destination`. */
export function egressPlan(
  caller: CallerName,
  host: string,
  destination: ExternalDestination,
  requests = 10,
): TrafficPlan {
  return { caller, service: 'server', path: '/', requests, egress: { host, destination } };
}

/** A 2xx that the echo of this external fixture answered. */
const servedBy = (o: Observation, destination: ExternalDestination): boolean =>
  isSuccess(o) && o.servedBy?.service === externalServiceName(destination);

/**
 * A refusal by the caller's own proxy, answered by no app: 502 (Istio's block_all virtual host for
 * a Host no ServiceEntry names on a port it has an HTTP listener for), 403 (Linkerd's
 * http-egress-deny route), or the connection closed without a response (Istio's BlackHoleCluster
 * for a port it has no listener for).
 */
export const egressRefused = (o: Observation): boolean =>
  o.servedBy === undefined &&
  (o.outcome === 'reset' || (o.outcome === 'response' && (o.status === 502 || o.status === 403)));

/** Outcomes, and who answered the requests an app answered: `200 ×10; answered by external-ext ×10`. */
export function describeEgress(list: readonly Observation[]): string {
  const answered = countBy(
    list.filter((o) => o.servedBy !== undefined),
    (o) => o.servedBy?.service ?? 'unknown',
  );
  const by = [...answered].map(([service, n]) => `${service} ×${n}`).join(', ');
  return `${describeOutcomes(list)}${by ? `; answered by ${by}` : ''}`;
}

/** A request the allowed external host must answer. */
export function reachedCase(label: string, plan: TrafficPlan): RequestCase {
  return {
    label,
    plan,
    want: `2xx from ${allowedExternalHost} (${externalServiceName('ext')})`,
    ok: (o) => servedBy(o, 'ext'),
    describe: describeEgress,
  };
}

const refusedWant =
  "refused by the caller's proxy, answered by no server: 502 (Istio: no virtual host on that port; Linkerd: 403) or the connection closed (no listener for that port)";

/** A request the caller's proxy must refuse. */
export function refusedCase(label: string, plan: TrafficPlan): RequestCase {
  return { label, plan, want: refusedWant, ok: egressRefused, describe: describeEgress };
}

/**
 * A request naming the allowed host but dialled to the forbidden host's address: the forbidden host
 * must not answer it. Istio sends an allowed host to the ServiceEntry's own endpoints, so ext.example
 * answers; a mesh that refuses it is conformant too.
 */
export function notAtDialledCase(label: string, plan: TrafficPlan): RequestCase {
  return {
    label,
    plan,
    want: `never answered by the address dialled (${externalServiceName('forbidden')}): 2xx from ${allowedExternalHost}'s own address, or refused`,
    ok: (o) => servedBy(o, 'ext') || egressRefused(o),
    describe: describeEgress,
  };
}

/** Registry-only egress is in force once the client's request to the forbidden host is refused. */
export const forbiddenRefusedProbe: Convergence = {
  plan: egressPlan('client', forbiddenExternalHost, 'forbidden', 1),
  confirmed: egressRefused,
};

/** The bound every egress check states: what it sends and how much of it must be right. */
const egressBounds =
  'Each case sends 10 requests and every one must be as stated: the behaviour is deterministic, so there is no tolerance and no timing in the verdict.';

/**
 * An egress check: registry-only egress allowing ext.example, in force once the forbidden host is
 * refused, then every case judged on its own requests.
 */
export function defineEgressCheck<Name extends string>(
  id: string,
  description: string,
  cases: Readonly<Record<Name, RequestCase>>,
): Check<Name> {
  return defineCheck({
    id,
    description: `${description} ${egressBounds}`,
    features: [Feature.EgressControl],
    profile: 'extended',
    intents: [allowExtExample],
    convergence: forbiddenRefusedProbe,
    traffic: caseTraffic(cases),
    judge: (observations, ctx) => judgeCases(cases, observations, ctx),
  });
}

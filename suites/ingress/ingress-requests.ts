import { caseTraffic, judgeCases, type RequestCase, servedByApp } from '../../lib/judges/cases.ts';
import type {
  Check,
  Convergence,
  IngressGatewayIntent,
  IngressRequest,
  Intent,
  Observation,
  TrafficPlan,
} from '../../lib/model/index.ts';
import { defineCheck, describeOutcomes, Feature, ingressHost } from '../../lib/model/index.ts';

/*
 * What the ingress checks share: the run's gateway for the ingress host, the requests an outside
 * client sends it, and what a conformant gateway does with each (Istio 1.30.3, contract rows G*,
 * docs/reference-mesh-semantics.md "Ingress gateway").
 */

/** The path the server's route covers, and a request under it. */
export const routedPrefix = '/api';
export const routedPath = '/api/items';

/** The gateway for the ingress host: HTTPS with the run's certificate, /api to the server, HTTP redirected. */
export const serverIngress: IngressGatewayIntent = {
  kind: 'IngressGateway',
  service: 'server',
  host: ingressHost,
  pathPrefixes: [routedPrefix],
  httpsRedirect: true,
};

/** A verified HTTPS request for the ingress host (the SNI is the host, the certificate checked against the harness CA). */
export const verifiedHttps: IngressRequest = { scheme: 'https', host: ingressHost };

/** An outside client's requests to the gateway, the ledger asked for (to tell whether the app saw them). */
export function ingressPlan(
  ingress: IngressRequest,
  path = routedPath,
  more: Partial<Pick<TrafficPlan, 'method' | 'body' | 'headers' | 'requests'>> = {},
): TrafficPlan {
  return {
    caller: 'outsider',
    service: 'server',
    path,
    // Each case is deterministic: three requests show it holds on new connections, not by chance.
    requests: 3,
    ledger: true,
    ingress,
    ...more,
  };
}

/** OpenSSL's error lines (`…:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:…`) as their reason. */
function shortError(detail: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(detail)?.[1];
  return (openssl ? `TLS: ${openssl}` : detail).slice(0, 120);
}

/** How requests ended, with what the client was told: the TLS error, the Location, the path the app saw. */
export function describeIngress(list: readonly Observation[]): string {
  const seen = new Map<string, number>();
  for (const o of list) {
    const detail =
      o.outcome !== 'response'
        ? shortError(o.errorDetail ?? o.outcome)
        : o.servedBy !== undefined
          ? `the app saw ${o.path ?? '(path not reported)'}`
          : o.headers?.location !== undefined
            ? `Location: ${o.headers.location}`
            : 'not at the app';
    const key = `${o.outcome === 'response' ? o.status : o.outcome} (${detail})`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const parts = [...seen].map(([k, n]) => `${k} ×${n}`).join(', ');
  return parts || describeOutcomes(list);
}

/** A request the gateway must route to the app, which must receive the path as sent. */
export function routedCase(label: string, ingress: IngressRequest, path = routedPath): RequestCase {
  return {
    label,
    plan: ingressPlan(ingress, path),
    want: `2xx from the app, which receives ${path}`,
    ok: (o) => servedByApp(o) && o.path === path,
    describe: describeIngress,
  };
}

/** A request the gateway must answer 404 itself (no virtual host or no route), never at the app. */
export function notRoutedCase(label: string, ingress: IngressRequest, path = routedPath): RequestCase {
  return {
    label,
    plan: ingressPlan(ingress, path),
    want: '404 from the gateway, never at the app',
    ok: (o) => o.outcome === 'response' && o.status === 404 && o.serverAttempts === 0,
    describe: describeIngress,
  };
}

/**
 * A connection whose TLS handshake the gateway must refuse (no filter chain for its SNI): no
 * response at all, never at the app. The client checks nothing, so a handshake that the gateway
 * completes shows as a response.
 */
export function handshakeRefusedCase(label: string, sni: string | null): RequestCase {
  return {
    label,
    plan: ingressPlan({ scheme: 'https', host: ingressHost, sni, verify: 'none' }),
    want: 'the handshake refused (TLS alert or connection closed), never at the app',
    ok: (o) => (o.outcome === 'tls-failure' || o.outcome === 'reset') && o.serverAttempts === 0,
    describe: describeIngress,
  };
}

/** The gateway's configuration is in force once its HTTP listener answers (the baseline takes no connection). */
export const gatewayAnswersProbe: Convergence = {
  plan: { ...ingressPlan({ scheme: 'http', host: ingressHost }), requests: 1, ledger: false },
  confirmed: (o) => o.outcome === 'response',
};

/**
 * An ingress check: its request cases, each judged on its own, after the gateway answers; the
 * intents are the server's ingress unless others are given (with the features they need besides).
 */
export function defineIngressCheck<Name extends string>(spec: {
  readonly id: string;
  readonly description: string;
  readonly cases: Readonly<Record<Name, RequestCase>>;
  readonly intents?: readonly Intent[];
  readonly moreFeatures?: readonly Feature[];
}): Check<Name> {
  const { cases } = spec;
  return defineCheck({
    id: spec.id,
    description: spec.description,
    features: [Feature.IngressGateway, ...(spec.moreFeatures ?? [])],
    profile: 'extended',
    intents: spec.intents ?? [serverIngress],
    convergence: gatewayAnswersProbe,
    traffic: caseTraffic(cases),
    judge: (observations, ctx) => judgeCases(cases, observations, ctx),
  });
}

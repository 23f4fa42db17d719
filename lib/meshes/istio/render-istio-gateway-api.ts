import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { stringify } from 'yaml';
import type {
  AccessPolicyIntent,
  ConnectionLimitIntent,
  HttpRouteIntent,
  IngressGatewayIntent,
  Intent,
  JwtAccessPolicyIntent,
  OutlierDetectionIntent,
  PeerAuthenticationIntent,
  RateLimitIntent,
  RenderedResource,
  RequestAuthenticationIntent,
  RequestTelemetryIntent,
  RetryCondition,
  RetryPolicy,
  RouteRule,
  ServiceName,
  Version,
} from '../../model/index.ts';
import { serviceOfIntent, servicesOfIntents } from '../../model/index.ts';
import {
  kube,
  serviceHost,
  serviceName,
  versionServiceName,
} from '../../platforms/kubernetes/kubernetes-names.ts';
import { integerWeights } from '../linkerd/linkerd-values.ts';
import { expandFirstMatch } from '../linkerd/render-linkerd-outbound.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import type { IstioObject } from './istio-object.ts';
import {
  egressPolicyOf,
  istioDuration,
  renderIstioAuthorizationPolicy,
  renderIstioDestinationRule,
  renderIstioJwtAuthorizationPolicy,
  renderIstioLocalRateLimit,
  renderIstioPeerAuthentication,
  renderIstioRequestAuthentication,
} from './render-istio.ts';
import { renderIstioEgress } from './render-istio-egress.ts';
import { renderIstioGatewayApiIngress } from './render-istio-ingress.ts';
import { renderIstioTelemetry } from './render-istio-telemetry.ts';

/*
 * Routing as Gateway API HTTPRoutes whose parent is the Service (GAMMA), as Istio 1.30.3 reads them
 * (istio/istio `pilot/pkg/config/kube/gateway/conversion.go`, convertHTTPRoute and sortHTTPRoutes):
 *
 * - One HTTPRoute per service, parentRef the Service `server` on its port; each rule's backends are
 *   the per-version Services (`server-v1`, …) with integer weights.
 * - First match wins in the intent; Istio orders an HTTPRoute's rules by Gateway API precedence
 *   (the most header matches first, list order breaking ties), so the rules are expanded so that
 *   both orders give every request the same rule (`expandFirstMatch`).
 * - `timeouts.request` is the route timeout. `retry.attempts` counts retries as the intent does;
 *   Istio retries on connect-failure, refused-stream, unavailable and cancelled, plus the status
 *   codes listed: 5xx → 500–599, gateway-error → 502–504. `retry: {attempts: 0}` turns Istio's
 *   default retries off. `retry` is in the experimental channel of the Gateway API CRDs (v1.5.1).
 * - Mirroring is a RequestMirror filter with `percent` (or `fraction` for a share below 1%).
 * - Connection limits and outlier detection stay DestinationRules, one per Service the route sends
 *   to (the traffic of an HTTPRoute goes to the per-version hosts, not to `server`).
 *
 * What the API cannot say with the intent's meaning is reported by `gatewayApiCannotRender` (the
 * check is then NOT_SUPPORTED) and refused by the renderers, never dropped.
 */

const gatewayApiVersion = 'gateway.networking.k8s.io/v1';
const managedBy = { 'app.kubernetes.io/managed-by': 'meshproof' } as const;

type HttpRouteSpec = NonNullable<IHTTPRoute['spec']>;
type HttpRouteRule = NonNullable<HttpRouteSpec['rules']>[number];
type DestinationRuleSpec = NonNullable<IDestinationRule['spec']>;

/** Names of the objects this rendering adds to those of `render-istio.ts`. */
export const gatewayApiResourceName = {
  httpRoute: (service: ServiceName) => `${service}-routes`,
  versionDestinationRule: (service: ServiceName, version: Version) =>
    `${versionServiceName(service, version)}-destination`,
} as const;

/** Why an HTTPRoute rule cannot carry a route rule's meaning on Istio, or undefined when it can. */
function ruleProblem(rule: RouteRule): string | undefined {
  const fault = rule.fault;
  if ((fault?.abort && fault.abort.percent > 0) || (fault?.delay && fault.delay.percent > 0)) {
    return 'Gateway API HTTPRoute has no fault injection (Istio rejects any filter but header modifiers, redirect, mirror, rewrite and CORS: conversion.go)';
  }
  if (!rule.backends.some((b) => b.weight > 0)) {
    return 'a rule without a backend answers 500 as a Gateway API route (conversion.go: all backends of zero weight), where the intent answers 503';
  }
  const retries = rule.retries;
  if (retries && retries.attempts > 0 && retries.retryOn.length > 0) {
    if (retries.retryOn.includes('reset')) {
      return 'Gateway API retries on status codes, to which Istio adds connect-failure, refused-stream, unavailable and cancelled (conversion.go): there is no condition for an upstream reset after the request was sent';
    }
    if (retries.perTryTimeoutMs !== undefined) {
      return "an HTTPRoute's backendRequest timeout becomes Istio's per-try timeout, but Istio's retry conditions for an HTTPRoute (connect-failure, refused-stream, unavailable, cancelled and status codes: conversion.go) never include 5xx, gateway-error or reset, the only ones under which Envoy retries an attempt that timed out: the first timed-out attempt would end the request";
    }
  }
  return undefined;
}

/**
 * Why these intents cannot be rendered as Gateway API routes on Istio with their meaning (then the
 * check is NOT_SUPPORTED), or undefined when they can.
 */
export function gatewayApiCannotRender(intents: readonly Intent[]): string | undefined {
  for (const intent of intents) {
    if (intent.kind !== 'HttpRoute') continue;
    for (const rule of intent.rules) {
      const problem = ruleProblem(rule);
      if (problem) return problem;
    }
    try {
      expandFirstMatch(intent.rules);
    } catch (error) {
      return (error as Error).message.replace(/^linkerd: /, '');
    }
  }
  return undefined;
}

/** Retry status codes of the model's conditions; connect-failure is always retried by Istio. */
const retryCodes: Readonly<Record<RetryCondition, readonly number[]>> = {
  '5xx': Array.from({ length: 100 }, (_, i) => 500 + i),
  'gateway-error': [502, 503, 504],
  'connect-failure': [],
  reset: [],
};

/**
 * A rule's `retry`, or undefined to leave Istio's default (the intent's "mesh default"). No retries
 * is `attempts: 0`, which Istio reads as retries off.
 */
export function gatewayApiRetry(policy: RetryPolicy | undefined): HttpRouteRule['retry'] {
  if (!policy) return undefined;
  if (policy.attempts <= 0 || policy.retryOn.length === 0) return { attempts: 0 };
  const codes = [...new Set(policy.retryOn.flatMap((c) => retryCodes[c]))].sort((a, b) => a - b);
  return { attempts: policy.attempts, ...(codes.length > 0 ? { codes } : {}) };
}

const serviceRef = (name: string) => ({ group: '', kind: 'Service', name, port: kube.servicePort });

function gatewayApiRule(
  service: ServiceName,
  headers: ReadonlyMap<string, string>,
  rule: RouteRule,
): HttpRouteRule {
  const problem = ruleProblem(rule);
  if (problem) throw new RangeError(`istio (Gateway API routing): ${problem}`);
  const backends = rule.backends.filter((b) => b.weight > 0);
  const weights = integerWeights(backends.map((b) => b.weight));
  const matchHeaders = [...headers.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ type: 'Exact' as const, name, value }));
  const out: HttpRouteRule = {
    // An explicit path on every rule: they rank equally on it, and only header counts order them.
    matches: [
      {
        path: { type: 'PathPrefix', value: '/' },
        ...(matchHeaders.length > 0 ? { headers: matchHeaders } : {}),
      },
    ],
    backendRefs: backends.map((b, i) => ({
      ...serviceRef(versionServiceName(service, b.version)),
      ...(backends.length > 1 ? { weight: weights[i] ?? 0 } : {}),
    })),
  };
  if (rule.mirror && rule.mirror.percent > 0) {
    const percent = rule.mirror.percent;
    out.filters = [
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: serviceRef(versionServiceName(service, rule.mirror.version)),
          ...(Number.isInteger(percent)
            ? { percent }
            : { fraction: { numerator: Math.round(percent * 100), denominator: 10_000 } }),
        },
      },
    ];
  }
  if (rule.timeoutMs !== undefined)
    out.timeouts = { request: istioDuration(rule.timeoutMs, 'route timeout') };
  const retry = gatewayApiRetry(rule.retries);
  if (retry) out.retry = retry;
  return out;
}

/** The HTTPRoute of a service: parent the Service (GAMMA), rules in Gateway API precedence. */
export function renderIstioHttpRoute(
  route: HttpRouteIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<HttpRouteSpec> {
  const rules = expandFirstMatch(route.rules).map((expanded) =>
    gatewayApiRule(route.service, expanded.headers, route.rules[expanded.ruleIndex] as RouteRule),
  );
  return {
    apiVersion: gatewayApiVersion,
    kind: 'HTTPRoute',
    metadata: {
      name: gatewayApiResourceName.httpRoute(route.service),
      namespace: at.names.meshNamespace,
      labels: { ...managedBy },
    },
    spec: { parentRefs: [serviceRef(serviceName(route.service))], rules },
  };
}

/** Every version a route sends to (backends and mirrors), in version order. */
function versionsRoutedTo(route: HttpRouteIntent): Version[] {
  const versions = new Set<Version>();
  for (const rule of route.rules) {
    for (const b of rule.backends) if (b.weight > 0) versions.add(b.version);
    if (rule.mirror) versions.add(rule.mirror.version);
  }
  return [...versions].sort();
}

/**
 * The DestinationRules of a service under Gateway API routing: one for the Service itself and one
 * per version Service a route sends to, each with the same connection pool and outlier detection.
 */
export function renderGatewayApiDestinationRules(
  service: ServiceName,
  parts: {
    readonly route: HttpRouteIntent | undefined;
    readonly limit: ConnectionLimitIntent | undefined;
    readonly outlier: OutlierDetectionIntent | undefined;
  },
  at: MeshPlacement = defaultPlacement,
): IstioObject<DestinationRuleSpec>[] {
  if (!parts.limit && !parts.outlier) return [];
  const base = renderIstioDestinationRule(
    service,
    { withSubsets: false, limit: parts.limit, outlier: parts.outlier },
    at,
  );
  const perVersion = (parts.route ? versionsRoutedTo(parts.route) : []).map((version) => ({
    ...base,
    metadata: { ...base.metadata, name: gatewayApiResourceName.versionDestinationRule(service, version) },
    spec: { ...base.spec, host: serviceHost(versionServiceName(service, version), at.names) },
  }));
  return [base, ...perVersion];
}

/** The intents of one service, by kind (the first of a kind where the model allows one). */
export interface ServiceIntents {
  readonly peer: PeerAuthenticationIntent | undefined;
  readonly access: readonly AccessPolicyIntent[];
  readonly route: HttpRouteIntent | undefined;
  readonly limit: ConnectionLimitIntent | undefined;
  readonly outlier: OutlierDetectionIntent | undefined;
  readonly rateLimit: RateLimitIntent | undefined;
  readonly requestAuth: RequestAuthenticationIntent | undefined;
  readonly jwtAccess: readonly JwtAccessPolicyIntent[];
  readonly telemetry: RequestTelemetryIntent | undefined;
}

/** Groups intents by service, in the order services first appear. */
export function intentsByService(intents: readonly Intent[]): Map<ServiceName, ServiceIntents> {
  const services = servicesOfIntents(intents);
  return new Map(
    services.map((service) => {
      const ofService = <T extends Intent>(kind: T['kind']): T[] =>
        intents.filter((i): i is T => i.kind === kind && serviceOfIntent(i) === service);
      return [
        service,
        {
          peer: ofService<PeerAuthenticationIntent>('PeerAuthentication')[0],
          access: ofService<AccessPolicyIntent>('AccessPolicy'),
          route: ofService<HttpRouteIntent>('HttpRoute')[0],
          limit: ofService<ConnectionLimitIntent>('ConnectionLimit')[0],
          outlier: ofService<OutlierDetectionIntent>('OutlierDetection')[0],
          rateLimit: ofService<RateLimitIntent>('RateLimit')[0],
          requestAuth: ofService<RequestAuthenticationIntent>('RequestAuthentication')[0],
          jwtAccess: ofService<JwtAccessPolicyIntent>('JwtAccessPolicy'),
          telemetry: ofService<RequestTelemetryIntent>('RequestTelemetry')[0],
        },
      ];
    }),
  );
}

/** One YAML document per object, without line folding (as `render-istio.ts` writes them). */
export function toRenderedResources(objects: readonly IstioObject<unknown>[]): RenderedResource[] {
  return objects.map((object) => ({
    kind: object.kind,
    name: object.metadata.name,
    format: 'yaml',
    content: stringify(object, { lineWidth: 0 }),
  }));
}

/**
 * Istio with sidecars and Gateway API routing (pure): security and rate limits as with
 * VirtualService routing, DestinationRules without subsets before the HTTPRoute that sends to
 * their hosts, then the EnvoyFilter.
 */
export function renderIstioGatewayApi(
  intents: readonly Intent[],
  at: MeshPlacement = defaultPlacement,
): RenderedResource[] {
  const objects: IstioObject<unknown>[] = [];
  for (const [service, s] of intentsByService(intents)) {
    if (s.peer) objects.push(renderIstioPeerAuthentication(s.peer, at));
    if (s.requestAuth) objects.push(renderIstioRequestAuthentication(s.requestAuth, at));
    if (s.access.length > 0) objects.push(renderIstioAuthorizationPolicy(service, s.access, at));
    if (s.jwtAccess.length > 0) objects.push(renderIstioJwtAuthorizationPolicy(service, s.jwtAccess, at));
    objects.push(...renderGatewayApiDestinationRules(service, s, at));
    if (s.route) objects.push(renderIstioHttpRoute(s.route, at));
    if (s.rateLimit) objects.push(renderIstioLocalRateLimit(s.rateLimit, at));
    if (s.telemetry) objects.push(renderIstioTelemetry(s.telemetry, at));
  }
  for (const ingress of intents.filter((i): i is IngressGatewayIntent => i.kind === 'IngressGateway'))
    objects.push(...renderIstioGatewayApiIngress(ingress, at));
  // Egress is the callers' Sidecar and ServiceEntries, whatever API routes the mesh's services.
  for (const policy of egressPolicyOf(intents)) objects.push(...renderIstioEgress(policy, at));
  return toRenderedResources(objects);
}

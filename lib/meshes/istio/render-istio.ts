import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IEnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { IRequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import { stringify } from 'yaml';
import { JWKS_PATH } from '../../../fixtures/jwks/jwks-server.ts';
import type {
  AccessPolicyIntent,
  AccessRule,
  CallerName,
  ConnectionLimitIntent,
  EgressPolicyIntent,
  FaultPolicy,
  HttpRouteIntent,
  IngressGatewayIntent,
  Intent,
  JwtAccessPolicyIntent,
  JwtAccessRule,
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
  WeightedBackend,
} from '../../model/index.ts';
import { callerIdentity, serviceOfIntent, servicesOfIntents } from '../../model/index.ts';
import { kube, serviceHost, serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import { jwksFixtureName } from '../../platforms/kubernetes/render-fixtures.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import { type IstioObject, metadata } from './istio-object.ts';
import { renderIstioEgress } from './render-istio-egress.ts';
import { renderIstioIngress } from './render-istio-ingress.ts';
import { renderIstioTelemetry } from './render-istio-telemetry.ts';

/*
 * How each mesh-agnostic intent becomes Istio configuration, and where Istio's defaults would
 * otherwise change what a client observes (istio/istio `pilot/pkg/networking/core/route/retry/
 * retry.go`, `pkg/config/validation/`; istio/api `networking/v1alpha3/*.proto`,
 * `security/v1beta1/*.proto`):
 *
 * - PeerAuthentication → `security.istio.io/v1` PeerAuthentication selecting `app=<service>`.
 * - AccessPolicy → one `security.istio.io/v1` AuthorizationPolicy, action ALLOW, selecting
 *   `app=<service>`, with the rules of every AccessPolicy of the service (an ALLOW policy allows
 *   the union of its rules; a request matching none is denied with 403). An intent with no rules
 *   renders a policy without `rules`, which Istio documents as "allow nothing".
 * - HttpRoute → `networking.istio.io/v1` VirtualService for the service's FQDN, one `http[]`
 *   entry per rule, in order (Istio, too, takes the first matching entry), routing to subsets.
 * - ConnectionLimit, OutlierDetection and the subsets a route needs → one DestinationRule.
 * - RateLimit → `networking.istio.io/v1alpha3` EnvoyFilter inserting Envoy's local rate limit
 *   filter on the inbound side of the service's workloads.
 */

/** API versions: `v1` is served by Istio 1.22 and later; EnvoyFilter exists only as v1alpha3. */
const apiVersions = {
  security: 'security.istio.io/v1',
  networking: 'networking.istio.io/v1',
  envoyFilter: 'networking.istio.io/v1alpha3',
} as const;

/** Every version backing a service; a route's subsets are declared for all of them. */
const versionSubsets: Readonly<Record<Version, true>> = { v1: true, v2: true, v3: true };

/** Label on every rendered resource, so that what meshproof applied can be listed and removed. */

/** Names of the rendered resources: one of each kind per service, readable in `kubectl get`. */
export const istioResourceName = {
  peerAuthentication: (service: ServiceName) => `${service}-mtls`,
  authorizationPolicy: (service: ServiceName) => `${service}-access`,
  destinationRule: (service: ServiceName) => `${service}-destination`,
  virtualService: (service: ServiceName) => `${service}-routes`,
  envoyFilter: (service: ServiceName) => `${service}-local-ratelimit`,
  requestAuthentication: (service: ServiceName) => `${service}-jwt`,
  jwtAuthorizationPolicy: (service: ServiceName) => `${service}-jwt-access`,
} as const;

type PeerAuthenticationSpec = NonNullable<IPeerAuthentication['spec']>;
type AuthorizationPolicySpec = NonNullable<IAuthorizationPolicy['spec']>;
type AuthorizationRule = NonNullable<AuthorizationPolicySpec['rules']>[number];
type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
type HttpRoute = NonNullable<VirtualServiceSpec['http']>[number];
type HttpRetry = NonNullable<HttpRoute['retries']>;
type HttpFault = NonNullable<HttpRoute['fault']>;
type DestinationRuleSpec = NonNullable<IDestinationRule['spec']>;
type TrafficPolicy = NonNullable<DestinationRuleSpec['trafficPolicy']>;
type EnvoyFilterSpec = NonNullable<IEnvoyFilter['spec']>;

/**
 * Renders intents into Istio resources, one YAML document each, in the order they should be
 * applied: security first, then the DestinationRule before the VirtualService that routes to its
 * subsets (Istio's "make before break": a route to an undeclared subset answers 503), then the
 * EnvoyFilter. Pure: the same intents always give the same text. An empty list renders nothing:
 * Istio's own defaults (PERMISSIVE mTLS, no authorization, default retries) are the baseline.
 *
 * Where the model allows one intent of a kind per service (PeerAuthentication, HttpRoute,
 * ConnectionLimit, OutlierDetection, RateLimit), the first one applies, as in the reference mesh.
 */
export function renderIstio(
  intents: readonly Intent[],
  at: MeshPlacement = defaultPlacement,
): RenderedResource[] {
  return [
    ...servicesOf(intents).flatMap((service) => renderService(service, intents, at)),
    ...egressPolicyOf(intents).flatMap((policy) => renderIstioEgress(policy, at).map(toRenderedResource)),
  ];
}

/** The egress policy of the callers' namespace, if any (the first one applies). */
export function egressPolicyOf(intents: readonly Intent[]): EgressPolicyIntent[] {
  return intents.filter((i): i is EgressPolicyIntent => i.kind === 'EgressPolicy').slice(0, 1);
}

function renderService(
  service: ServiceName,
  intents: readonly Intent[],
  at: MeshPlacement,
): RenderedResource[] {
  const ofService = <T extends Intent>(kind: T['kind']): T[] =>
    intents.filter((i): i is T => i.kind === kind && serviceOfIntent(i) === service);
  const peer = ofService<PeerAuthenticationIntent>('PeerAuthentication')[0];
  const access = ofService<AccessPolicyIntent>('AccessPolicy');
  const route = ofService<HttpRouteIntent>('HttpRoute')[0];
  const limit = ofService<ConnectionLimitIntent>('ConnectionLimit')[0];
  const outlier = ofService<OutlierDetectionIntent>('OutlierDetection')[0];
  const rateLimit = ofService<RateLimitIntent>('RateLimit')[0];
  const requestAuth = ofService<RequestAuthenticationIntent>('RequestAuthentication')[0];
  const jwtAccess = ofService<JwtAccessPolicyIntent>('JwtAccessPolicy');
  const telemetry = ofService<RequestTelemetryIntent>('RequestTelemetry')[0];

  const objects: IstioObject<unknown>[] = [];
  if (peer) objects.push(renderIstioPeerAuthentication(peer, at));
  if (requestAuth) objects.push(renderIstioRequestAuthentication(requestAuth, at));
  if (access.length > 0) objects.push(renderIstioAuthorizationPolicy(service, access, at));
  if (jwtAccess.length > 0) objects.push(renderIstioJwtAuthorizationPolicy(service, jwtAccess, at));
  if (route || limit || outlier) {
    objects.push(
      renderIstioDestinationRule(service, { withSubsets: route !== undefined, limit, outlier }, at),
    );
  }
  if (route) objects.push(renderIstioVirtualService(route, at));
  if (rateLimit) objects.push(renderIstioLocalRateLimit(rateLimit, at));
  const ingress = ofService<IngressGatewayIntent>('IngressGateway')[0];
  if (ingress) objects.push(...renderIstioIngress(ingress, at));
  if (telemetry) objects.push(renderIstioTelemetry(telemetry, at));
  return objects.map(toRenderedResource);
}

function servicesOf(intents: readonly Intent[]): ServiceName[] {
  return servicesOfIntents(intents);
}

function toRenderedResource(object: IstioObject<unknown>): RenderedResource {
  return {
    kind: object.kind,
    name: object.metadata.name,
    format: 'yaml',
    // No line folding: long values (type URLs, principals) stay on one greppable line.
    content: stringify(object, { lineWidth: 0 }),
  };
}

/** Selects every workload (all versions) of a service. */
function workloadSelector(service: ServiceName): { matchLabels: Record<string, string> } {
  return { matchLabels: { [kube.appLabel]: service } };
}

// ---------------------------------------------------------------- security

/** STRICT or PERMISSIVE mTLS on the inbound side of the service's workloads. */
export function renderIstioPeerAuthentication(
  intent: PeerAuthenticationIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<PeerAuthenticationSpec> {
  return {
    apiVersion: apiVersions.security,
    kind: 'PeerAuthentication',
    metadata: metadata(istioResourceName.peerAuthentication(intent.service), at),
    spec: { selector: workloadSelector(intent.service), mtls: { mode: intent.mode } },
  };
}

/**
 * One ALLOW policy holding the rules of every AccessPolicy of the service. Once an ALLOW policy
 * selects a workload, a request must match one of its rules or it is denied (403); a policy
 * without `rules` matches nothing and so allows nothing (istio/api
 * `security/v1beta1/authorization_policy.proto`, field `rules`). Rules that can match nothing
 * (an empty `from`, `methods` or `pathPrefixes` list) are left out: in Istio an empty list would
 * mean "any", and the webhook rejects it.
 */
export function renderIstioAuthorizationPolicy(
  service: ServiceName,
  policies: readonly AccessPolicyIntent[],
  at: MeshPlacement = defaultPlacement,
): IstioObject<AuthorizationPolicySpec> {
  const rules = policies.flatMap((p) => p.rules).flatMap((rule) => renderIstioAccessRule(rule, at) ?? []);
  const spec: AuthorizationPolicySpec = { selector: workloadSelector(service), action: 'ALLOW' };
  return {
    apiVersion: apiVersions.security,
    kind: 'AuthorizationPolicy',
    metadata: metadata(istioResourceName.authorizationPolicy(service), at),
    spec: rules.length > 0 ? { ...spec, rules } : spec,
  };
}

/** One rule; `undefined` for a rule that can match no request. `{}` matches every request. */
function renderIstioAccessRule(rule: AccessRule, at: MeshPlacement): AuthorizationRule | undefined {
  const lists = [rule.from, rule.methods, rule.pathPrefixes];
  if (lists.some((list) => list !== undefined && list.length === 0)) return undefined;
  const out: AuthorizationRule = {};
  if (rule.from) out.from = [{ source: { principals: rule.from.map((c) => istioPrincipal(c, at)) } }];
  const operation: Record<string, string[]> = {};
  if (rule.methods) operation.methods = [...rule.methods];
  if (rule.pathPrefixes) operation.paths = [...new Set(rule.pathPrefixes.flatMap(istioPathPrefix))];
  if (Object.keys(operation).length > 0) out.to = [{ operation }];
  return out;
}

/**
 * A path prefix as AuthorizationPolicy `paths`, segment by segment: the prefix itself and what
 * lies below it (`/api` → `/api`, `/api/*`), never `/apiary`. Istio matches a path exactly, or
 * as a plain string prefix when it ends in `*` (pilot/pkg/security/authz/matcher/string.go), so
 * `/api*` alone would let `/apiary` in. Paths are compared after Istio's path normalization
 * (BASE by default) and case-sensitively.
 */
export function istioPathPrefix(prefix: string): string[] {
  const base = prefix.replace(/\/+$/, '');
  return base === '' ? ['/*'] : [base, `${base}/*`];
}

/**
 * The peer identity an AuthorizationPolicy matches: the caller's SPIFFE ID without `spiffe://`.
 * It requires mTLS, so a caller outside the mesh (no certificate) never matches it.
 */
export function istioPrincipal(caller: CallerName, at: MeshPlacement = defaultPlacement): string {
  const { namespace, serviceAccount } = callerIdentity(caller, at.names);
  return `${at.trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

// ---------------------------------------------------------------- end-user authentication

type RequestAuthenticationSpec = NonNullable<IRequestAuthentication['spec']>;

/**
 * Where istiod fetches the end-user issuer's key set: the `jwks` fixture's Service in the namespace
 * outside the mesh (an identity provider is not a mesh workload). istiod fetches `jwksUri` itself
 * (PILOT_JWT_ENABLE_REMOTE_JWKS defaults to istiod) and inlines the keys into the sidecars' config;
 * when the fetch fails it inlines a key set nobody can sign for, so every token is refused
 * (istio/istio@1.30.3 pilot/pkg/model/jwks_resolver.go `BuildLocalJwks`, `PublicOnlyJwks`).
 */
export function istioJwksUri(at: MeshPlacement = defaultPlacement): string {
  // Service `jwks` listens on the fixtures' service port (80), so the URI names no port.
  return `http://${jwksFixtureName}.${at.names.outsideNamespace}.svc.cluster.local${JWKS_PATH}`;
}

/**
 * A RequestAuthentication selecting the service's workloads: one jwtRule for the issuer with its
 * audiences, the claims copied to headers (`outputClaimToHeaders`) and the token removed once
 * verified (`forwardOriginalToken: false`, Envoy's `forward`). A request without a token passes
 * (`allow_missing`, pilot/pkg/security/authn/policy_applier.go `convertToEnvoyJwtConfig`).
 */
export function renderIstioRequestAuthentication(
  intent: RequestAuthenticationIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<RequestAuthenticationSpec> {
  const claims = Object.entries(intent.claimHeaders ?? {}).map(([header, claim]) => ({ header, claim }));
  return {
    apiVersion: apiVersions.security,
    kind: 'RequestAuthentication',
    metadata: metadata(istioResourceName.requestAuthentication(intent.service), at),
    spec: {
      selector: workloadSelector(intent.service),
      jwtRules: [
        {
          issuer: intent.issuer,
          ...(intent.audiences.length > 0 ? { audiences: [...intent.audiences] } : {}),
          jwksUri: istioJwksUri(at),
          forwardOriginalToken: false,
          ...(claims.length > 0 ? { outputClaimToHeaders: claims } : {}),
        },
      ],
    },
  };
}

/**
 * An ALLOW policy of the JWT access rules, apart from the peer-identity one (two ALLOW policies
 * allow the union of their rules). Every rule needs a request principal, so a request without a
 * verified token matches none and is denied 403: a rule without principals asks for `*` (any
 * principal); claims become `request.auth.claims[<claim>]` conditions, which match a string claim
 * or any element of a list claim exactly (pilot/pkg/security/authz/model/generator.go
 * `requestClaimGenerator`). A rule with an empty list can match nothing and is left out.
 */
export function renderIstioJwtAuthorizationPolicy(
  service: ServiceName,
  policies: readonly JwtAccessPolicyIntent[],
  at: MeshPlacement = defaultPlacement,
): IstioObject<AuthorizationPolicySpec> {
  const rules = policies.flatMap((p) => p.rules).flatMap((rule) => renderIstioJwtAccessRule(rule) ?? []);
  const spec: AuthorizationPolicySpec = { selector: workloadSelector(service), action: 'ALLOW' };
  return {
    apiVersion: apiVersions.security,
    kind: 'AuthorizationPolicy',
    metadata: metadata(istioResourceName.jwtAuthorizationPolicy(service), at),
    spec: rules.length > 0 ? { ...spec, rules } : spec,
  };
}

function renderIstioJwtAccessRule(rule: JwtAccessRule): AuthorizationRule | undefined {
  const claims = Object.entries(rule.claims ?? {});
  if (rule.principals?.length === 0 || claims.some(([, values]) => values.length === 0)) return undefined;
  const out: AuthorizationRule = {
    from: [{ source: { requestPrincipals: rule.principals ? [...rule.principals] : ['*'] } }],
  };
  if (claims.length > 0)
    out.when = claims.map(([claim, values]) => ({
      key: `request.auth.claims[${claim}]`,
      values: [...values],
    }));
  return out;
}

// ---------------------------------------------------------------- routing

/** The route of a service: one `http[]` entry per rule, first match wins. */
export function renderIstioVirtualService(
  route: HttpRouteIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<VirtualServiceSpec> {
  const host = serviceHost(serviceName(route.service), at.names);
  return {
    apiVersion: apiVersions.networking,
    kind: 'VirtualService',
    metadata: metadata(istioResourceName.virtualService(route.service), at),
    spec: {
      hosts: [host],
      http: route.rules.map((rule, index) => renderIstioHttpRoute(rule, index, host)),
    },
  };
}

function renderIstioHttpRoute(rule: RouteRule, index: number, host: string): HttpRoute {
  const out: HttpRoute = { name: `rule-${index + 1}` };
  const headers = Object.entries(rule.matchHeaders ?? {});
  if (headers.length > 0) {
    // HTTP header names are case-insensitive; Istio expects them in lower case.
    out.match = [
      { headers: Object.fromEntries(headers.map(([name, value]) => [name.toLowerCase(), { exact: value }])) },
    ];
  }
  const backends = rule.backends.filter((b) => b.weight > 0);
  if (backends.length === 0) {
    // Nothing to route to: 503, as in the reference mesh. Retries, timeout, mirror and faults
    // have no upstream request to act on (and Istio rejects a fault next to a direct response).
    out.directResponse = { status: 503 };
    return out;
  }
  out.route = renderIstioDestinations(backends, host);
  const retries = renderIstioRetries(rule.retries);
  if (retries) out.retries = retries;
  if (rule.timeoutMs !== undefined) out.timeout = istioDuration(rule.timeoutMs, 'route timeout');
  if (rule.fault) out.fault = renderIstioFault(rule.fault);
  if (rule.mirror) {
    out.mirror = { host, subset: rule.mirror.version };
    out.mirrorPercentage = { value: rule.mirror.percent };
  }
  return out;
}

/**
 * Weighted destinations. Istio weights are relative integers (each destination gets
 * weight / sum); a single destination carries no weight. Fractional weights are scaled to
 * integers summing to 10000, which keeps each share to 1/10000.
 */
function renderIstioDestinations(backends: readonly WeightedBackend[], host: string): HttpRoute['route'] {
  const [only] = backends;
  if (only && backends.length === 1) return [{ destination: { host, subset: only.version } }];
  const integral = backends.every((b) => Number.isInteger(b.weight));
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  return backends.map((b) => ({
    destination: { host, subset: b.version },
    weight: integral ? b.weight : Math.round((b.weight / total) * 10_000),
  }));
}

/** Istio's names for the model's retry conditions (Envoy `x-envoy-retry-on` policies). */
const istioRetryOn: Readonly<Record<RetryCondition, string>> = {
  '5xx': '5xx',
  'gateway-error': 'gateway-error',
  'connect-failure': 'connect-failure',
  reset: 'reset',
};

/**
 * A rule's retry policy, or `undefined` to leave Istio's default (2 retries on
 * connect-failure, refused-stream, unavailable, cancelled and retriable status codes), which
 * is what the model means by a rule without retries: the mesh default.
 *
 * Istio retries unless told not to, so "no retries" must be explicit: `attempts: 0`, and
 * nothing else (Istio's validation rejects `retryOn` or `perTryTimeout` next to 0 attempts).
 * A policy with attempts but no condition retries nothing in the model, while Istio would fill
 * in its default conditions: it renders as `attempts: 0` too.
 *
 * `perTryTimeout` ends an attempt; Envoy retries it only when `retryOn` includes `5xx`,
 * `gateway-error` or `reset` — exactly the model's meaning of those conditions (a timed-out
 * attempt is a failed attempt with no response), and not of `connect-failure`.
 */
export function renderIstioRetries(policy: RetryPolicy | undefined): HttpRetry | undefined {
  if (!policy) return undefined;
  if (policy.attempts <= 0 || policy.retryOn.length === 0) return { attempts: 0 };
  const retry: HttpRetry = {
    attempts: policy.attempts,
    retryOn: [...new Set(policy.retryOn.map((c) => istioRetryOn[c]))].join(','),
  };
  if (policy.perTryTimeoutMs !== undefined) {
    retry.perTryTimeout = istioDuration(policy.perTryTimeoutMs, 'per-try timeout');
  }
  return retry;
}

/**
 * Faults injected by the caller's sidecar. Every fault carries its `percentage`: without one
 * Istio injects nothing. Envoy delays before it aborts, as the model does.
 */
export function renderIstioFault(fault: FaultPolicy): HttpFault {
  const out: HttpFault = {};
  if (fault.delay) {
    out.delay = {
      fixedDelay: istioDuration(fault.delay.ms, 'fault delay'),
      percentage: { value: fault.delay.percent },
    };
  }
  if (fault.abort) {
    out.abort = { httpStatus: fault.abort.status, percentage: { value: fault.abort.percent } };
  }
  return out;
}

// ---------------------------------------------------------------- destination policy

interface DestinationParts {
  /** Declare a subset per version (needed as soon as a VirtualService routes by subset). */
  readonly withSubsets: boolean;
  readonly limit: ConnectionLimitIntent | undefined;
  readonly outlier: OutlierDetectionIntent | undefined;
}

/**
 * The one DestinationRule of a service: subsets by `version` label, connection pool and outlier
 * detection. The traffic policy is declared once, at the top, so that every subset inherits it.
 * It sets no `tls`, which keeps Istio's automatic mTLS between sidecars.
 */
export function renderIstioDestinationRule(
  service: ServiceName,
  parts: DestinationParts,
  at: MeshPlacement = defaultPlacement,
): IstioObject<DestinationRuleSpec> {
  const spec: DestinationRuleSpec = { host: serviceHost(serviceName(service), at.names) };
  const trafficPolicy: TrafficPolicy = {};
  if (parts.limit) trafficPolicy.connectionPool = renderIstioConnectionPool(parts.limit);
  if (parts.outlier) trafficPolicy.outlierDetection = renderIstioOutlierDetection(parts.outlier);
  if (Object.keys(trafficPolicy).length > 0) spec.trafficPolicy = trafficPolicy;
  if (parts.withSubsets) {
    spec.subsets = (Object.keys(versionSubsets) as Version[]).map((version) => ({
      name: version,
      labels: { [kube.versionLabel]: version },
    }));
  }
  return {
    apiVersion: apiVersions.networking,
    kind: 'DestinationRule',
    metadata: metadata(istioResourceName.destinationRule(service), at),
    spec,
  };
}

/**
 * Caller-side connection pool. Istio reads 0 as "unset" (Envoy's default, effectively
 * unlimited), so a limit below 1 cannot be expressed and is refused rather than rendered as
 * its opposite.
 */
function renderIstioConnectionPool(
  limit: ConnectionLimitIntent,
): NonNullable<TrafficPolicy['connectionPool']> {
  requireAtLeastOne(limit.maxConnections, 'ConnectionLimit.maxConnections');
  requireAtLeastOne(limit.maxPending, 'ConnectionLimit.maxPending');
  return {
    tcp: { maxConnections: limit.maxConnections },
    http: { http1MaxPendingRequests: limit.maxPending },
  };
}

/**
 * Ejection of endpoints that keep failing. `maxEjectionPercent` is always explicit: Istio's
 * default of 10% ejects nothing from a pool of fewer than ten endpoints.
 */
function renderIstioOutlierDetection(
  outlier: OutlierDetectionIntent,
): NonNullable<TrafficPolicy['outlierDetection']> {
  return {
    consecutive5xxErrors: outlier.consecutive5xx,
    interval: istioDuration(outlier.intervalMs, 'outlier detection interval'),
    baseEjectionTime: istioDuration(outlier.baseEjectionMs, 'base ejection time'),
    maxEjectionPercent: outlier.maxEjectionPercent,
  };
}

// ---------------------------------------------------------------- rate limit

/** Envoy's HTTP local rate limit filter and its configuration type. */
const localRateLimitFilter = {
  name: 'envoy.filters.http.local_ratelimit',
  typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
} as const;

/**
 * Envoy's local rate limit on the inbound side of every workload of the service: a token
 * bucket per sidecar (shared by its worker threads), answering 429 when empty. The filter is
 * inserted first in the inbound HTTP filter chain (INSERT_BEFORE without a sub-filter), so it
 * acts before authorization, as in the reference mesh. `filter_enabled` and `filter_enforced`
 * default to 0% in Envoy and must be set to 100% for the limit to act at all.
 */
export function renderIstioLocalRateLimit(
  intent: RateLimitIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<EnvoyFilterSpec> {
  const spec: EnvoyFilterSpec = {
    workloadSelector: { labels: { [kube.appLabel]: intent.service } },
    configPatches: [
      {
        applyTo: 'HTTP_FILTER',
        match: {
          context: 'SIDECAR_INBOUND',
          listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } },
        },
        patch: {
          operation: 'INSERT_BEFORE',
          value: {
            name: localRateLimitFilter.name,
            typed_config: {
              '@type': localRateLimitFilter.typeUrl,
              stat_prefix: 'http_local_rate_limiter',
              token_bucket: envoyTokenBucket(intent.requestsPerSecond),
              filter_enabled: envoyPercent('local_rate_limit_enabled', 100),
              filter_enforced: envoyPercent('local_rate_limit_enforced', 100),
              status: { code: 'TooManyRequests' },
            },
          },
        },
      },
    ],
  };
  return {
    apiVersion: apiVersions.envoyFilter,
    kind: 'EnvoyFilter',
    metadata: metadata(istioResourceName.envoyFilter(intent.service), at),
    spec,
  };
}

/** An Envoy `type.v3.TokenBucket`. */
export interface EnvoyTokenBucket {
  readonly max_tokens: number;
  readonly tokens_per_fill: number;
  /** A protobuf JSON duration (`1s`, `0.4s`). */
  readonly fill_interval: string;
}

/**
 * A token bucket admitting `requestsPerSecond` on average and at most that many in any second.
 * Whole rates refill every second; fractional ones refill one token at a time (several above
 * 20/s, since Envoy refills at most every 50 ms), with the interval rounded to the millisecond.
 */
export function envoyTokenBucket(requestsPerSecond: number): EnvoyTokenBucket {
  if (!Number.isFinite(requestsPerSecond) || requestsPerSecond <= 0) {
    throw new RangeError(
      `RateLimit.requestsPerSecond must be a positive number (got ${requestsPerSecond}); Envoy's token bucket cannot admit nothing`,
    );
  }
  if (Number.isInteger(requestsPerSecond)) {
    return { max_tokens: requestsPerSecond, tokens_per_fill: requestsPerSecond, fill_interval: '1s' };
  }
  const perFill = Math.max(1, Math.ceil(requestsPerSecond * 0.05));
  const intervalMs = Math.round((perFill / requestsPerSecond) * 1000);
  return {
    max_tokens: Math.max(perFill, Math.floor(requestsPerSecond)),
    tokens_per_fill: perFill,
    fill_interval: `${intervalMs / 1000}s`,
  };
}

function envoyPercent(runtimeKey: string, percent: number) {
  return { runtime_key: runtimeKey, default_value: { numerator: percent, denominator: 'HUNDRED' } };
}

// ---------------------------------------------------------------- values

/**
 * A duration as Istio accepts it: whole milliseconds, at least 1 ms (its validation rejects
 * anything finer or shorter), written `30s` when whole seconds and `300ms` otherwise.
 */
export function istioDuration(ms: number, what: string): string {
  const whole = Math.round(ms);
  if (!Number.isFinite(ms) || whole < 1) {
    throw new RangeError(`${what} of ${ms} ms cannot be expressed in Istio, which needs at least 1 ms`);
  }
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

function requireAtLeastOne(value: number, what: string): void {
  if (!(value >= 1)) {
    throw new RangeError(`${what} of ${value} cannot be expressed in Istio, which reads 0 as unlimited`);
  }
}

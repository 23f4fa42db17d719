import type { ExternalDestination } from './egress.ts';
import type { CallerName, ServiceName, Version } from './topology.ts';

/**
 * Mesh-agnostic policies. Each mesh adapter renders them into its own resources: Istio CRDs,
 * Linkerd CRDs and annotations, or reference-mesh haproxy configuration.
 */
export type Intent =
  | PeerAuthenticationIntent
  | AccessPolicyIntent
  | HttpRouteIntent
  | ConnectionLimitIntent
  | OutlierDetectionIntent
  | RateLimitIntent
  | RequestAuthenticationIntent
  | JwtAccessPolicyIntent
  | IngressGatewayIntent
  | RequestTelemetryIntent
  | EgressPolicyIntent;

/** mTLS mode enforced on the inbound side of a service's workloads. */
export interface PeerAuthenticationIntent {
  readonly kind: 'PeerAuthentication';
  readonly service: ServiceName;
  readonly mode: 'STRICT' | 'PERMISSIVE';
}

/**
 * Allow-list for a service: a request is allowed when it matches at least one rule; once any
 * AccessPolicy selects a workload, everything else is denied (403).
 */
export interface AccessPolicyIntent {
  readonly kind: 'AccessPolicy';
  readonly service: ServiceName;
  readonly rules: readonly AccessRule[];
}

/** All given conditions must hold; an absent condition matches anything (including no identity). */
export interface AccessRule {
  readonly from?: readonly CallerName[];
  readonly methods?: readonly string[];
  readonly pathPrefixes?: readonly string[];
}

/** Routing of calls to a service, like an Istio VirtualService or a Gateway API HTTPRoute. */
export interface HttpRouteIntent {
  readonly kind: 'HttpRoute';
  readonly service: ServiceName;
  /** Evaluated in order; the first rule whose match holds takes the request. */
  readonly rules: readonly RouteRule[];
}

export interface RouteRule {
  /** Exact header matches, all of which must hold. Absent: matches every request. */
  readonly matchHeaders?: Readonly<Record<string, string>>;
  readonly backends: readonly WeightedBackend[];
  readonly retries?: RetryPolicy;
  /** Route timeout covering all attempts. */
  readonly timeoutMs?: number;
  readonly fault?: FaultPolicy;
  readonly mirror?: { readonly version: Version; readonly percent: number };
}

export interface WeightedBackend {
  readonly version: Version;
  /** Relative weight; weights of a rule need not sum to 100. */
  readonly weight: number;
}

/** Conditions that make a failed attempt retriable. */
export type RetryCondition = '5xx' | 'gateway-error' | 'connect-failure' | 'reset';

export interface RetryPolicy {
  /** Retries after the first try: total tries = 1 + attempts. 0 disables retries. */
  readonly attempts: number;
  readonly perTryTimeoutMs?: number;
  readonly retryOn: readonly RetryCondition[];
}

/** Faults injected in the caller's proxy before the request leaves it. */
export interface FaultPolicy {
  readonly abort?: { readonly status: number; readonly percent: number };
  readonly delay?: { readonly ms: number; readonly percent: number };
}

/** Caller-side connection pool limits for a service (Istio DestinationRule connectionPool). */
export interface ConnectionLimitIntent {
  readonly kind: 'ConnectionLimit';
  readonly service: ServiceName;
  readonly maxConnections: number;
  readonly maxPending: number;
}

/** Caller-side ejection of endpoints that keep failing (circuit breaking). */
export interface OutlierDetectionIntent {
  readonly kind: 'OutlierDetection';
  readonly service: ServiceName;
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionPercent: number;
}

/** Local (per workload) token-bucket rate limit on the inbound side of a service. */
export interface RateLimitIntent {
  readonly kind: 'RateLimit';
  readonly service: ServiceName;
  readonly requestsPerSecond: number;
}

/** A route rule that sends everything to the given version without retries. */
export const noRetries: RetryPolicy = { attempts: 0, retryOn: [] };

/**
 * End-user authentication on the inbound side of a service (Istio RequestAuthentication): a
 * request carrying a bearer token is admitted only if the token verifies against the issuer's
 * JWKS (the fixture `jwks` serves it) and names the issuer and one of the audiences, unexpired;
 * otherwise 401. A request without a token passes (only an access rule can require one). After
 * verification the token is removed and the claims named in `claimHeaders` are shown to the app.
 */
export interface RequestAuthenticationIntent {
  readonly kind: 'RequestAuthentication';
  readonly service: ServiceName;
  /** The `iss` a token must carry, exactly. */
  readonly issuer: string;
  /** A token must name at least one of these in `aud`. */
  readonly audiences: readonly string[];
  /** Request header → claim whose (string) value it carries to the app. */
  readonly claimHeaders?: Readonly<Record<string, string>>;
}

/**
 * Allow-list by end-user token for a service (Istio AuthorizationPolicy `requestPrincipals` and
 * `request.auth.claims[...]`): a request is allowed when it carries a verified token meeting every
 * condition of at least one rule; once the policy selects a workload, every other request, a
 * request without a token included, is denied (403). Combined with an AccessPolicy of the same
 * service, a request allowed by either is allowed (two ALLOW policies).
 */
export interface JwtAccessPolicyIntent {
  readonly kind: 'JwtAccessPolicy';
  readonly service: ServiceName;
  readonly rules: readonly JwtAccessRule[];
}

/** All given conditions must hold; every rule needs a verified token. */
export interface JwtAccessRule {
  /** `<iss>/<sub>` of the token, exactly, one of. */
  readonly principals?: readonly string[];
  /** Claim → accepted values: the claim (a string, or an array with an element) equals one of them. */
  readonly claims?: Readonly<Record<string, readonly string[]>>;
}

/**
 * An ingress gateway for one host (Istio Gateway + VirtualService, Gateway API Gateway +
 * HTTPRoute): HTTPS on the host with the run's certificate for it, chosen by SNI (another SNI, or
 * none, finds no server: the handshake is refused); requests whose Host is the host (any case, any
 * port) and whose path lies under a prefix go to the service over mTLS, with the gateway's mesh
 * identity; any other path or Host is answered 404. Plain HTTP on the host is redirected (301,
 * `https://<Host><path>`) when `httpsRedirect`, and routed like HTTPS otherwise.
 */
export interface IngressGatewayIntent {
  readonly kind: 'IngressGateway';
  /** The meshed service the gateway routes to. */
  readonly service: ServiceName;
  /** The host the gateway serves (lower case), e.g. `ingress.meshproof.test`. */
  readonly host: string;
  /** Path prefixes (whole segments, case-sensitive) routed to the service; other paths 404. */
  readonly pathPrefixes: readonly string[];
  readonly httpsRedirect: boolean;
}

/**
 * The mesh's proxies report request metrics (counts and duration histograms) for every workload,
 * as Istio's Telemetry API with the `prometheus` provider does; Linkerd's proxies always do.
 */
export interface RequestTelemetryIntent {
  readonly kind: 'RequestTelemetry';
  /** The service whose traffic is counted, by its callers' proxies and its own. */
  readonly service: ServiceName;
}

/**
 * Registry-only egress for the meshed callers' namespace (Istio: a Sidecar with
 * `outboundTrafficPolicy: REGISTRY_ONLY` for the namespace, never mesh-wide): a caller reaches the
 * external services listed, by their host name on their port, and every other destination outside
 * the registry is refused. An allowed host is sent to its own address, whatever address the app
 * dialled (Istio ServiceEntry with the host's endpoint, not `resolution: NONE`).
 */
export interface EgressPolicyIntent {
  readonly kind: 'EgressPolicy';
  readonly allowed: readonly ExternalService[];
}

/** An external service the mesh is told about (Istio ServiceEntry, HTTP): a host name at a fixture's address and port. */
export interface ExternalService {
  /** The host name, lower case; the Host header must name it exactly (in any case). */
  readonly host: string;
  /** The fixture whose address and port the host has. */
  readonly destination: ExternalDestination;
}

/** The service an intent is about, or undefined for one about the callers' namespace (egress). */
export function serviceOfIntent(intent: Intent): ServiceName | undefined {
  return intent.kind === 'EgressPolicy' ? undefined : intent.service;
}

/** The services intents are about, in first-mention order. */
export function servicesOfIntents(intents: readonly Intent[]): ServiceName[] {
  return [...new Set(intents.flatMap((i) => serviceOfIntent(i) ?? []))];
}

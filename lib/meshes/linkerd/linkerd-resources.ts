/**
 * TypeScript shapes of the Kubernetes resources the Linkerd adapter renders, typed from the
 * CRDs Linkerd ships (`charts/linkerd-crds/templates/policy/*.yaml` in linkerd/linkerd2, checked
 * against edge-26.8.3) and from Linkerd's policy reference, so that a misspelt or misplaced field
 * does not compile. Only the fields Linkerd actually reads are modelled, and only the versions
 * this adapter emits (the storage versions): Server v1beta3, HTTPRoute (policy.linkerd.io)
 * v1beta3, AuthorizationPolicy / MeshTLSAuthentication / NetworkAuthentication /
 * HTTPLocalRateLimitPolicy v1alpha1.
 *
 * The Gateway API HTTPRoute is narrowed from `@kubernetes-models/gateway-api` to what Linkerd's
 * policy controller honours (`policy-controller/k8s/index/src/outbound/index/http.rs`): no
 * `retry` field (retries are annotations), no `backendRequest` timeout, no filters.
 */
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';

/** Metadata of every rendered resource: always namespaced, never generated names. */
export interface LinkerdObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Kubernetes label selector (`matchLabels` and `matchExpressions` are ANDed). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

// ---------------------------------------------------------------------------------------- Server

/**
 * The default policies Linkerd understands, as a Server's `accessPolicy` or the
 * `config.linkerd.io/default-inbound-policy` annotation
 * (`policy-controller/k8s/index/src/defaults.rs`). A Server's access policy becomes a
 * server-level authorization that applies to every route of the Server.
 */
export type LinkerdDefaultPolicy =
  | 'all-unauthenticated'
  | 'all-authenticated'
  | 'cluster-authenticated'
  | 'cluster-unauthenticated'
  | 'deny'
  | 'audit';

/** Protocol discovery of a Server's port; `unknown` (the default) detects HTTP itself. */
export type LinkerdProxyProtocol = 'unknown' | 'HTTP/1' | 'HTTP/2' | 'gRPC' | 'opaque' | 'TLS';

interface ServerSpecCommon {
  /** A port number or name of the selected pods' containers (not of a Service). */
  readonly port: number | string;
  readonly proxyProtocol?: LinkerdProxyProtocol;
  /** Applied to traffic no authorization matches; the CRD defaults it to `deny`. */
  readonly accessPolicy?: LinkerdDefaultPolicy;
}

/** Exactly one of `podSelector` and `externalWorkloadSelector` (the CRD's `oneOf`). */
export type ServerSpec =
  | (ServerSpecCommon & { readonly podSelector: LabelSelector; readonly externalWorkloadSelector?: never })
  | (ServerSpecCommon & { readonly externalWorkloadSelector: LabelSelector; readonly podSelector?: never });

/** A port on a set of pods that inbound policy applies to; once it exists, the port denies by default. */
export interface LinkerdServer {
  readonly apiVersion: 'policy.linkerd.io/v1beta3';
  readonly kind: 'Server';
  readonly metadata: LinkerdObjectMeta;
  readonly spec: ServerSpec;
}

// ----------------------------------------------------------------------- policy.linkerd.io routes

/** Methods the policy HTTPRoute CRD accepts in a match (its `method` enum). */
export type HttpRouteMethod =
  | 'GET'
  | 'HEAD'
  | 'POST'
  | 'PUT'
  | 'DELETE'
  | 'CONNECT'
  | 'OPTIONS'
  | 'TRACE'
  | 'PATCH';

/** The methods of {@link HttpRouteMethod}, for validating intents at run time. */
export const httpRouteMethods: readonly HttpRouteMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
];

/** Path match; Linkerd's PathPrefix is element-wise and ignores a trailing slash. */
export interface PolicyHttpPathMatch {
  readonly type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value?: string;
}

/** Header or query-parameter match. */
export interface PolicyHttpValueMatch {
  readonly type?: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

/** All conditions of one match must hold; the rule matches when any of its matches does. */
export interface PolicyHttpRouteMatch {
  readonly path?: PolicyHttpPathMatch;
  readonly headers?: readonly PolicyHttpValueMatch[];
  readonly queryParams?: readonly PolicyHttpValueMatch[];
  readonly method?: HttpRouteMethod;
}

/** Reference from a policy HTTPRoute to the Server it describes traffic of. */
export interface ServerParentRef {
  readonly group: 'policy.linkerd.io';
  readonly kind: 'Server';
  readonly name: string;
  readonly namespace?: string;
}

/** One rule of an inbound (Server-parented) route: at most 8 matches (CRD `maxItems`). */
export interface PolicyHttpRouteRule {
  readonly matches?: readonly PolicyHttpRouteMatch[];
}

/**
 * `policy.linkerd.io/v1beta3` HTTPRoute attached to a Server: a subset of the Server's HTTP
 * traffic that AuthorizationPolicies can target. A request matching none of a Server's routes
 * is answered 404 by the inbound proxy (`HttpRouteNotFound`), one matching a route without a
 * satisfied authorization 403.
 */
export interface LinkerdPolicyHttpRoute {
  readonly apiVersion: 'policy.linkerd.io/v1beta3';
  readonly kind: 'HTTPRoute';
  readonly metadata: LinkerdObjectMeta;
  readonly spec: {
    readonly parentRefs: readonly ServerParentRef[];
    readonly hostnames?: readonly string[];
    /** At most 16 rules (CRD `maxItems`). */
    readonly rules: readonly PolicyHttpRouteRule[];
  };
}

// ------------------------------------------------------------------- authentication and policies

/** One network of a NetworkAuthentication. */
export interface AuthenticatedNetwork {
  readonly cidr: string;
  readonly except?: readonly string[];
}

/** Clients whose source address lies in one of `networks`, authenticated or not. */
export interface LinkerdNetworkAuthentication {
  readonly apiVersion: 'policy.linkerd.io/v1alpha1';
  readonly kind: 'NetworkAuthentication';
  readonly metadata: LinkerdObjectMeta;
  readonly spec: { readonly networks: readonly AuthenticatedNetwork[] };
}

/** A ServiceAccount (or a whole Namespace) whose mesh identity authenticates. */
export interface IdentityRef {
  readonly group?: '';
  readonly kind: 'ServiceAccount' | 'Namespace';
  readonly name?: string;
  readonly namespace?: string;
}

/**
 * Meshed clients presenting one of these mTLS identities: exactly one of `identities`
 * (`<sa>.<ns>.serviceaccount.identity.linkerd.<trust-domain>`, a `*.` suffix wildcard, or `*`
 * for every meshed client) and `identityRefs` (the CRD's `oneOf`).
 */
export interface LinkerdMeshTlsAuthentication {
  readonly apiVersion: 'policy.linkerd.io/v1alpha1';
  readonly kind: 'MeshTLSAuthentication';
  readonly metadata: LinkerdObjectMeta;
  readonly spec:
    | { readonly identities: readonly [string, ...string[]]; readonly identityRefs?: never }
    | { readonly identityRefs: readonly [IdentityRef, ...IdentityRef[]]; readonly identities?: never };
}

/** What an AuthorizationPolicy authorizes traffic to. */
export type AuthorizationTargetRef =
  | { readonly group: 'policy.linkerd.io'; readonly kind: 'Server' | 'HTTPRoute'; readonly name: string }
  | {
      readonly group: 'gateway.networking.k8s.io';
      readonly kind: 'HTTPRoute' | 'GRPCRoute';
      readonly name: string;
    }
  | { readonly group?: ''; readonly kind: 'Namespace'; readonly name: string };

/** An authentication an AuthorizationPolicy requires; all listed ones must hold. */
export type AuthenticationRef =
  | {
      readonly group: 'policy.linkerd.io';
      readonly kind: 'MeshTLSAuthentication' | 'NetworkAuthentication';
      readonly name: string;
      readonly namespace?: string;
    }
  | {
      readonly group?: '';
      readonly kind: 'ServiceAccount';
      readonly name: string;
      readonly namespace?: string;
    };

/**
 * Authorizes clients satisfying every `requiredAuthenticationRefs` entry to reach the target.
 * Linkerd's admission webhook allows at most one MeshTLSAuthentication (or ServiceAccount) and
 * one NetworkAuthentication per policy; several policies on one target are alternatives.
 */
export interface LinkerdAuthorizationPolicy {
  readonly apiVersion: 'policy.linkerd.io/v1alpha1';
  readonly kind: 'AuthorizationPolicy';
  readonly metadata: LinkerdObjectMeta;
  readonly spec: {
    readonly targetRef: AuthorizationTargetRef;
    readonly requiredAuthenticationRefs: readonly AuthenticationRef[];
  };
}

/** A rate, in whole requests per second (CRD `int64`, admission requires > 0). */
export interface RequestRate {
  readonly requestsPerSecond: number;
}

/**
 * Local (per inbound proxy, so per pod) rate limit on a Server, enforced with GCRA and a
 * one-second tolerance; excess requests are answered 429. A Server takes at most one.
 */
export interface LinkerdHttpLocalRateLimitPolicy {
  readonly apiVersion: 'policy.linkerd.io/v1alpha1';
  readonly kind: 'HTTPLocalRateLimitPolicy';
  readonly metadata: LinkerdObjectMeta;
  readonly spec: {
    readonly targetRef: {
      readonly group: 'policy.linkerd.io';
      readonly kind: 'Server';
      readonly name: string;
    };
    readonly total?: RequestRate;
    readonly identity?: RequestRate;
    readonly overrides?: readonly {
      readonly requestsPerSecond: number;
      readonly clientRefs: readonly {
        readonly group?: '';
        readonly kind: 'ServiceAccount';
        readonly name: string;
        readonly namespace?: string;
      }[];
    }[];
  };
}

// ------------------------------------------------------------------- Gateway API (outbound) routes

/**
 * Annotations Linkerd reads on an outbound HTTPRoute (`parse_http_retry` and `parse_timeouts`
 * in the policy controller). They apply to every rule of the route and override the same
 * annotations on the parent Service. Values are strings; durations need a unit (`200ms`).
 */
export interface LinkerdRouteAnnotations {
  /** Comma-separated `5xx`, `gateway-error` (502–504), `NNN` or `NNN-MMM`. */
  readonly 'retry.linkerd.io/http'?: string;
  /** Retries after the first attempt; `0` (or absent with other retry annotations) means 1. */
  readonly 'retry.linkerd.io/limit'?: string;
  /** Per-attempt timeout; an attempt that times out is retried while retries remain. */
  readonly 'retry.linkerd.io/timeout'?: string;
  /** Overrides every rule's `timeouts.request`. */
  readonly 'timeout.linkerd.io/request'?: string;
  readonly 'timeout.linkerd.io/response'?: string;
  readonly 'timeout.linkerd.io/idle'?: string;
}

/** `parentRefs` entry attaching an outbound route to a Service port. */
export interface ServiceParentRef {
  readonly group: 'core';
  readonly kind: 'Service';
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
}

/** A weighted Service backend; Linkerd requires the port and ignores backends that do not exist. */
export interface ServiceBackendRef {
  readonly name: string;
  readonly namespace?: string;
  readonly port: number;
  /** 0 to 1,000,000 (CRD bounds). */
  readonly weight: number;
}

/** Header match of an outbound rule (names compare case-insensitively). */
export interface GatewayHeaderMatch {
  readonly type: 'Exact';
  readonly name: string;
  readonly value: string;
}

/** Match of an outbound rule. */
export interface GatewayHttpRouteMatch {
  readonly path: { readonly type: 'PathPrefix' | 'Exact'; readonly value: string };
  readonly headers?: readonly GatewayHeaderMatch[];
  readonly method?: HttpRouteMethod;
}

/** Outbound rule: the Gateway API fields Linkerd honours. */
export interface GatewayHttpRouteRule {
  readonly matches: readonly GatewayHttpRouteMatch[];
  readonly backendRefs: readonly ServiceBackendRef[];
  /** Only `request` is read by Linkerd (single-unit duration, e.g. `300ms`); 0 disables. */
  readonly timeouts?: { readonly request: string };
}

/**
 * `gateway.networking.k8s.io/v1` HTTPRoute attached to a Service: routing done by the CALLER's
 * proxy, so only meshed callers see it.
 */
export interface LinkerdGatewayHttpRoute {
  readonly apiVersion: 'gateway.networking.k8s.io/v1';
  readonly kind: 'HTTPRoute';
  readonly metadata: Omit<LinkerdObjectMeta, 'annotations'> & {
    readonly annotations?: LinkerdRouteAnnotations;
  };
  readonly spec: {
    readonly parentRefs: readonly ServiceParentRef[];
    /** At most 16 rules (CRD `maxItems`). */
    readonly rules: readonly GatewayHttpRouteRule[];
  };
}

// A narrowed route must still be a Gateway API HTTPRoute as the models package defines it.
type Mutable<T> = T extends readonly (infer E)[]
  ? Mutable<E>[]
  : T extends object
    ? { -readonly [K in keyof T]: Mutable<T[K]> }
    : T;
type AssertAssignable<T extends U, U> = T;
export type GatewayHttpRouteIsModelled = AssertAssignable<Mutable<LinkerdGatewayHttpRoute>, IHTTPRoute>;

// ---------------------------------------------------------------------------- Service annotations

/**
 * Failure accrual (circuit breaking) annotations Linkerd reads on a Service
 * (`parse_accrual_config` in the policy controller); client proxies apply them to every
 * backend balancer of traffic addressed to that Service.
 */
export interface FailureAccrualAnnotations {
  readonly 'balancer.linkerd.io/failure-accrual': 'consecutive';
  /** Consecutive 5xx before an endpoint is made unavailable (default 7). */
  readonly 'balancer.linkerd.io/failure-accrual-consecutive-max-failures': string;
  /** Time an endpoint stays unavailable before a probe request (default 1s). */
  readonly 'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': string;
  /** Upper bound of the exponential back-off between failed probes (default 1m, ≥ min). */
  readonly 'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': string;
  readonly 'balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio'?: string;
}

/**
 * A partial Service carrying only annotations, meant for server-side apply with the harness's
 * own field manager: applying it adds the annotations to the existing Service; re-applying it
 * without annotations removes them again. Never `kubectl delete` it (that would delete the
 * Service).
 */
export interface ServiceAnnotationsPatch {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly metadata: Omit<LinkerdObjectMeta, 'annotations'> & {
    readonly annotations: FailureAccrualAnnotations;
  };
}

/** Every resource the Linkerd adapter renders. */
export type LinkerdResource =
  | LinkerdServer
  | LinkerdPolicyHttpRoute
  | LinkerdNetworkAuthentication
  | LinkerdMeshTlsAuthentication
  | LinkerdAuthorizationPolicy
  | LinkerdHttpLocalRateLimitPolicy
  | LinkerdGatewayHttpRoute
  | ServiceAnnotationsPatch;

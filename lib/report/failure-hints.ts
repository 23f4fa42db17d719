import type { Feature } from '../model/index.ts';
import type { CheckResult } from '../model/verdict.ts';

/**
 * Likely causes of a failure, by the feature a check exercises: what people who run meshes
 * find behind such a failure most often, in the order worth checking. A Record over every
 * feature, so a new feature without hints fails to compile.
 */
export const likelyCausesByFeature: Readonly<Record<Feature, readonly string[]>> = {
  MtlsStrict: [
    'The STRICT policy is not in force for the server: Istio PeerAuthentication in another namespace than the workload (or not in the root namespace for mesh-wide), or a workload- or port-level policy overriding it with PERMISSIVE or DISABLE.',
    'The server is not meshed: its namespace or pod is not injected (istio-injection / linkerd.io/inject label missing, or pods not restarted after labelling), so no sidecar enforces anything.',
    'Traffic reaches the app around the sidecar: a port excluded from interception (excludeInboundPorts, skip-inbound-ports) or a hostNetwork pod.',
  ],
  MtlsPermissive: [
    'A STRICT policy at a higher level (mesh-wide or namespace) wins over the intended PERMISSIVE one, or a port-level override applies.',
    'Linkerd: a Server resource with proxyProtocol or an authorization policy requiring mTLS identities rejects plaintext callers.',
  ],
  IdentityHeader: [
    "The server's sidecar does not forward the caller identity: Istio forwardClientCertDetails (or a gateway's) set to SANITIZE, or the XFCC header stripped by an EnvoyFilter; Linkerd sets l5d-client-id only for meshed mTLS callers.",
    'The caller is not meshed or its traffic is not mTLS (a DestinationRule with tls mode DISABLE), so it has no identity to present.',
    'The trust domain or service account differs from the one expected (cluster.local vs a custom trust domain).',
  ],
  AuthzByIdentity: [
    'The policy does not select the server workload (selector labels or namespace wrong): in Istio, a workload that no ALLOW policy selects allows everything.',
    'Principals are written in the wrong form: Istio expects cluster.local/ns/NS/sa/SA without spiffe://; Linkerd MeshTLSAuthentication names service accounts.',
    'The caller is not meshed or the server is PERMISSIVE, so plaintext callers arrive without an identity and the policy has nothing to match.',
  ],
  AuthzByRequest: [
    'Paths match exactly unless written with a wildcard (/api/* vs /api/), and methods are case-sensitive.',
    'Several policies combine: DENY is evaluated before ALLOW, and any ALLOW policy on the workload makes everything it does not allow denied.',
    'Request attributes are only visible to the policy for HTTP traffic: a port declared as TCP (or with an unnamed protocol) is authorised at L4 only.',
  ],
  HeaderRouting: [
    'Rule order: the first matching rule wins, so a catch-all rule before the header rule takes every request.',
    'Header names must be lower-case in the match and values match exactly (case and whitespace) unless a prefix or regex is used.',
    'The caller is not meshed, or calls the workload directly by pod IP, so its requests never pass through the route.',
  ],
  WeightedRouting: [
    'The weights had not reached the caller\'s proxy when the traffic started: see the propagation time ("not confirmed" means the probe never saw the new route).',
    'The caller is not meshed (no sidecar), so its requests bypass the route and Kubernetes spreads them round-robin over all pods.',
    "Istio: the DestinationRule subsets do not select the versions' pods (label mismatch, or a missing DestinationRule), or another VirtualService for the same host shadows this one.",
    'Balancing is per connection rather than per request (TCP port, HTTP/2 or keep-alive pinned to one backend), which skews shares for few long-lived connections.',
  ],
  Retries: [
    'Istio retries by default (2 attempts on connect-failure, refused-stream, unavailable, cancelled and retriable-status-codes) when the route does not set a retry policy: extra attempts point there.',
    'The retry conditions differ from the intent: 5xx vs gateway-error vs retriable-status-codes, or retryOn missing the status the server answers.',
    "A per-try or route timeout cuts retries short, or another hop (the server's sidecar, a gateway) retries as well and multiplies attempts.",
  ],
  Timeouts: [
    'The route timeout is not applied: Istio VirtualService timeouts are off unless set; Linkerd needs HTTPRoute timeouts or the timeout annotation on the route.',
    'Retries stretch the time the client waits: the overall timeout applies across attempts, the per-try timeout to each.',
    'Another component answers first: the application, a gateway or the client has a shorter timeout of its own.',
  ],
  FaultAbort: [
    'The fault is on a rule the traffic does not take (host, header match or rule order), or applied on the server side while the caller is measured.',
    'The percentage is read differently: Istio percentage.value is a percent (10 means 10%); an abort without a percentage applies to every request.',
    'Retries on the same route turn injected aborts into successes at another hop.',
  ],
  FaultDelay: [
    'The fault is on a rule the traffic does not take (host, header match or rule order).',
    'The delay is shorter than a timeout on the route, so delayed requests end as timeouts instead.',
    'The percentage is read differently: Istio percentage.value is a percent (20 means 20%).',
  ],
  Mirroring: [
    'The mirror target is not a routable, meshed service or subset, so mirrored copies are dropped.',
    'Istio mirrors 100% unless mirrorPercentage is set; older releases used mirrorPercent.',
  ],
  OutlierDetection: [
    'The ejection threshold counts other errors: Istio consecutive5xxErrors vs consecutiveGatewayErrors, and 503s generated locally by the proxy are not counted.',
    "maxEjectionPercent or the minimum healthy share keeps the endpoint in, or the interval is longer than the check's window.",
    'Outlier detection is per caller proxy: another client sees its own view.',
  ],
  ConnectionLimits: [
    'The connection pool settings do not apply to this host or subset (DestinationRule host or subset mismatch).',
    'HTTP/2 multiplexes requests over one connection, so maxConnections does not bound requests: http2MaxRequests does.',
    'Pending requests are queued rather than rejected when http1MaxPendingRequests is larger than the burst.',
  ],
  RateLimit: [
    'The limit is attached to the wrong workload or listener (EnvoyFilter match), or to the caller side instead of the server side.',
    'A local limit counts per proxy: several replicas each allow the full budget.',
    'The token bucket refills faster than expected (fill interval and tokens per fill).',
  ],
  PathNormalization: [
    'Istio: meshConfig.pathNormalization is NONE (paths are authorized as sent, so /public/../admin matches /public), or an EnvoyFilter replaces the HTTP connection manager settings.',
    'The app resolves paths differently from the proxy: with BASE, %2F and %5C stay encoded and // is kept; an app that decodes or merges them sees another path than the one authorized (MERGE_SLASHES or DECODE_AND_MERGE_SLASHES close that gap).',
  ],
  RequestAuthzOutsideMesh: [
    "The caller outside the mesh reaches the app around the server's proxy: a port excluded from interception, or (Istio ambient) no proxy reads its HTTP at all, so rules on method and path cannot hold for it and the headers it sends reach the app as sent.",
    "The server's proxy does not remove identity headers that arrive on plaintext connections (Istio forwardClientCertDetails ALWAYS_FORWARD_ONLY, an EnvoyFilter), so the app trusts what the caller claims.",
  ],
  EgressControl: [
    "The registry-only policy does not cover the caller: Istio reads outboundTrafficPolicy from the Sidecar resource of the caller's namespace (one without a workloadSelector; a second one makes the choice undefined) or from the mesh config, and a workload a Sidecar with a workloadSelector does not select keeps the mesh default ALLOW_ANY.",
    "The ServiceEntry is not visible to the caller: exportTo, or a Sidecar whose egress hosts do not import the ServiceEntry's namespace, leaves the allowed host unknown, so it is refused like any other.",
    'A ServiceEntry with resolution NONE sends an allowed Host to whatever address the app dialled (an ORIGINAL_DST cluster): give the allowed host its endpoints (STATIC or DNS) so that a forged Host header cannot reach another address.',
    'Istio refuses unknown HTTP hosts on a port it has an HTTP listener for with 502 (the block_all virtual host) and anything on other ports by closing the connection (BlackHoleCluster); Linkerd answers a denied HTTP egress request 403.',
  ],
  JwtAuth: [
    'The RequestAuthentication does not select the server (selector labels, namespace), or its issuer differs from the token\'s iss by a character, a scheme or a trailing slash: Istio then refuses every token with 401 ("Jwt issuer is not configured").',
    'The JWKS could not be fetched: istiod fetches jwksUri itself and on failure installs a key set nobody can sign for, so every token is refused (istiod log "JWKS fetch failed"); check that istiod can reach the JWKS server.',
    'A request without a token is admitted by RequestAuthentication alone: only an AuthorizationPolicy with requestPrincipals (or a request.auth.claims condition) makes a token required (403 without one).',
    'Claims are matched exactly, element by element for arrays; requestPrincipals are <iss>/<sub>. Claim headers (outputClaimToHeaders) are written only for a verified token, and the token is removed unless forwardOriginalToken is set.',
  ],
  IngressGateway: [
    "The gateway serves another certificate than the host's: the Gateway's credentialName names another Secret (or one in another namespace than the gateway's pods), the Secret holds another host's or an expired certificate, or a wildcard server with its own certificate wins the SNI.",
    "Routes do not bind to the gateway: the VirtualService's gateways field names another Gateway (namespace/name), its hosts do not intersect the server's hosts, or the gateway's selector labels match no gateway pod (Istio then programs no listener at all).",
    'The gateway is not a mesh member: its pods run without the gateway injection template (inject.istio.io/templates: gateway) or outside the mesh, so it reaches the server in plaintext and STRICT refuses it, or the app sees no identity.',
  ],
  RequestMetrics: [
    "The metrics were read from one reporter and compared with the other's traffic: the caller's proxy (reporter source) counts each request once, the server's (reporter destination) each attempt it received, retries included.",
    "The source or destination workload is 'unknown': the caller is not meshed, or the peer metadata (Istio's metadata exchange) did not reach the other proxy, e.g. for plaintext or TCP traffic.",
    'The proxy restarted or reloaded between the scrapes, so its counters started from 0 again; or the metrics were read through an aggregator that resets or rates them.',
  ],
  LatencyHistogram: [
    'The bucket bounds are read in the wrong unit: Istio records milliseconds (istio_request_duration_milliseconds), Linkerd response_latency_ms too, many exporters seconds.',
    'Buckets are cumulative (le = at most): a request is in every bucket from the first bound at or above its duration up to +Inf.',
  ],
};

/**
 * Likely causes of a FAILED or ERROR check, most telling first; none for other statuses. A
 * configuration never confirmed in effect comes first, since it explains almost any failure.
 */
export function likelyCauses(check: CheckResult): string[] {
  if (check.status !== 'FAILED' && check.status !== 'ERROR') return [];
  const causes: string[] = [];
  if (check.status === 'ERROR') {
    causes.push(
      `The harness could not reach a verdict (see the reason): rerun this check alone with --only ${check.id}; if it persists, the mesh or platform may be unhealthy.`,
    );
  }
  if (check.propagationMs === null) {
    causes.push(
      'The configuration was never confirmed in effect before measuring: it was still propagating (the mesh is slower than the convergence timeout) or the proxy rejected it (see the proxy logs under diagnostics).',
    );
  }
  const seen = new Set<string>();
  for (const feature of check.features) {
    for (const cause of likelyCausesByFeature[feature as Feature] ?? []) {
      if (!seen.has(cause)) causes.push(cause);
      seen.add(cause);
    }
  }
  return causes;
}

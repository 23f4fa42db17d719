import type { FeatureSupport, MeshMember, WorkloadIdentity } from '../../model/index.ts';
import { callerIdentity, notSupported, supported } from '../../model/index.ts';
import { defaultLinkerdPlacement, type LinkerdPlacement } from '../mesh-placement.ts';

/**
 * What Linkerd (edge-26.x, 2.18+) can express, feature by feature, each reason stated so that a
 * reader can check it in Linkerd's own sources (linkerd/linkerd2 policy controller,
 * linkerd/linkerd2-proxy, linkerd.io docs). FaultAbort is supported the way Linkerd documents it:
 * a weighted HTTPRoute share to a Service that always answers the fault's status (see
 * `faultBackendsNeeded`).
 */
export const linkerdSupport: FeatureSupport = {
  MtlsStrict: supported,
  MtlsPermissive: supported,
  IdentityHeader: supported,
  AuthzByIdentity: supported,
  AuthzByRequest: supported,
  HeaderRouting: supported,
  WeightedRouting: supported,
  Retries: supported,
  Timeouts: supported,
  FaultAbort: supported,
  JwtAuth: notSupported(
    "Linkerd has no end-user authentication: an AuthorizationPolicy's requiredAuthenticationRefs may name only a MeshTLSAuthentication, a NetworkAuthentication or a ServiceAccount ('unsupported authentication target' otherwise: policy-controller/k8s/index/src/inbound/authorization_policy.rs authentication_ref at edge-26.8.3), none of which reads a request's bearer token, and neither the policy controller nor linkerd2-proxy verifies JWTs; verify tokens in the app or in an ingress in front of it",
  ),
  FaultDelay: notSupported(
    "Linkerd has no delay injection: no HTTPRoute filter or annotation delays requests (the proxy's only injected fault is an immediate error response, not reachable from any CRD), and the documented fault-injection recipe, a weighted backend share to an error-returning Service, can only fail requests, not delay them and still have the real server answer",
  ),
  Mirroring: notSupported(
    "Linkerd cannot mirror traffic: its policy controller rejects the Gateway API RequestMirror filter ('RequestMirror filter is not supported', policy-controller/k8s/index/src/outbound/index/http.rs), which invalidates the whole route, and no annotation or Linkerd CRD copies requests to a second backend",
  ),
  OutlierDetection: supported,
  ConnectionLimits: notSupported(
    'Linkerd has no connection-pool limits: no Service annotation, HTTPRoute field or policy CRD sets a maximum of connections or pending requests; the outbound request queue is fixed by the policy controller (capacity 100, fail-fast after 3 s: default_queue_config in policy-controller/grpc/src/outbound.rs), and meshed traffic is multiplexed over HTTP/2 between proxies, so there is no per-service overflow to observe',
  ),
  RateLimit: supported,
  PathNormalization: notSupported(
    'Linkerd has no path normalization: linkerd2-proxy matches routes, and so authorizes, on the request path exactly as sent (linkerd/http/route/src/http/match/path.rs compares uri.path() without removing dot segments or decoding), so /public/../admin/users matches a /public route and reaches the app as sent; put a normalizing proxy or framework in front of the app',
  ),
  RequestAuthzOutsideMesh: supported,
  IngressGateway: notSupported(
    'Linkerd has no ingress gateway of its own and implements no Gateway API Gateway: at edge-26.8.3 its policy controller reads HTTPRoutes only for a Server parent (inbound: policy-controller/k8s/index/src/inbound/routes.rs from_http_parent_ref skips every other parent) or a Service or EgressNetwork parent (outbound: policy-controller/k8s/index/src/outbound/index.rs is_parent_service_or_egress_network), and nothing in linkerd2 reconciles a GatewayClass; an ingress is a third-party controller meshed by injection, which meshproof does not deploy, so there is no gateway here to terminate TLS, redirect or route by host',
  ),
  // Every proxy's /metrics on its admin port 4191 (docs/cluster-contract.md M-rows).
  RequestMetrics: supported,
  LatencyHistogram: supported,
  EgressControl: notSupported(
    "Linkerd cannot hold an allowed egress host name to its own address: an EgressNetwork selects traffic by the destination IP only (its networks; by default every address outside the cluster networks, policy-controller/k8s/index/src/outbound/index/egress_network.rs from_resource), an HTTPRoute whose parent is the EgressNetwork matches the Host header (its hostnames become the route's host matches: policy-controller/grpc/src/outbound/http.rs convert_host_match) and sends to the address the app dialled (an EgressNetwork's backend is a Forward to the original destination: policy-controller/grpc/src/outbound.rs default_backend), and trafficPolicy Deny answers every other request 403 (policy-controller/grpc/src/outbound/http.rs default_outbound_egress_route, 'traffic not allowed'). So a request naming the allowed host but dialled to another address of the same EgressNetwork is forwarded there; holding the name to its address needs an EgressNetwork per allowed address (a /32 of the external host), which meshproof does not render yet",
  ),
};

/**
 * The mesh identity Linkerd issues to a workload:
 * `<sa>.<ns>.serviceaccount.identity.<control plane namespace>.<trust domain>` (linkerd2
 * `charts/partials/templates/_proxy.tpl`, LINKERD2_PROXY_IDENTITY_LOCAL_NAME).
 */
export function linkerdIdentity(
  identity: WorkloadIdentity,
  at: LinkerdPlacement = defaultLinkerdPlacement,
): string {
  return `${identity.serviceAccount}.${identity.namespace}.serviceaccount.identity.${at.controlPlaneNamespace}.${at.trustDomain}`;
}

/**
 * The identity the server app is shown for a caller: the `l5d-client-id` header the inbound
 * proxy sets on mTLS requests (it strips any value the client sent). The outsider is not meshed
 * and is never shown one; its name here is what it would be if it were.
 */
export function linkerdIdentityOf(
  caller: MeshMember,
  at: LinkerdPlacement = defaultLinkerdPlacement,
): string {
  return linkerdIdentity(callerIdentity(caller, at.names), at);
}

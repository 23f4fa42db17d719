import type { FeatureSupport, MeshMember } from '../../model/index.ts';
import { callerIdentity, notSupported, spiffeId, supported } from '../../model/index.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';

/**
 * The ways meshproof drives Istio: sidecars routed with VirtualServices (`sidecar`), sidecars routed
 * with Gateway API HTTPRoutes whose parent is the Service (`sidecar-gateway-api`, GAMMA), and
 * ambient mode (`ambient`: ztunnel for L4, a waypoint for L7, routes as HTTPRoutes).
 */
export type IstioMode = 'sidecar' | 'sidecar-gateway-api' | 'ambient';

const yes = supported;

/** Why ambient has no per-reporter request metrics to compare with a client's (see docs/cluster-contract.md M-rows). */
const ambientNoReporters =
  "in ambient no proxy counts HTTP requests on the caller's or the server's side: ztunnel reports L4 metrics only (istio_tcp_* with reporter source or destination, istio/ztunnel 1.30.3 src/proxy/metrics.rs), and istio_requests_total comes from the waypoint alone, with reporter=\"waypoint\"; meshproof's request-metric checks compare source and destination reporters and do not read a waypoint yet";
const no = notSupported;

/** Why an HTTPRoute cannot inject faults (both Gateway API modes). */
const noFaultFilter =
  "Gateway API HTTPRoute has no fault injection: Istio 1.30.3 turns an HTTPRoute rule into a route with header modifiers, redirect, mirror, rewrite and CORS only, and rejects any other filter as 'unsupported filter type' (pilot/pkg/config/kube/gateway/conversion.go, convertHTTPRoute); Istio's faults are VirtualService fields, which this mode does not write";

/** Why ambient has no ingress yet (Istio could: meshproof does not render it). */
const ingressNotRenderedForAmbient =
  "meshproof does not render or prove the ingress for ambient yet: the gateway Istio deploys for a Gateway of class istio would reach the server through ztunnel and the server's waypoint, which, not the gateway, writes the X-Forwarded-Client-Cert the app sees (waypointXfccAnnotation), so what identity the app is shown is unproven";

/**
 * What Istio 1.30.3 can express in each mode, feature by feature: every answer explicit (no
 * defaults), each reason read in istio/istio or istio/ztunnel at 1.30.3 (docs/cluster-contract.md,
 * "Istio ambient and Gateway API routing").
 */
export const istioSupportByMode: Readonly<Record<IstioMode, FeatureSupport>> = {
  sidecar: {
    MtlsStrict: yes,
    MtlsPermissive: yes,
    IdentityHeader: yes,
    AuthzByIdentity: yes,
    AuthzByRequest: yes,
    HeaderRouting: yes,
    WeightedRouting: yes,
    Retries: yes,
    Timeouts: yes,
    FaultAbort: yes,
    FaultDelay: yes,
    Mirroring: yes,
    OutlierDetection: yes,
    ConnectionLimits: yes,
    RateLimit: yes,
    PathNormalization: yes,
    // The server's sidecar terminates every inbound connection and reads its HTTP.
    RequestAuthzOutsideMesh: yes,
    // RequestAuthentication (jwt_authn on the server's sidecar) and AuthorizationPolicy requestPrincipals / request.auth.claims.
    JwtAuth: yes,
    // Gateway + VirtualService bound to it, on a gateway deployment the run creates (render-istio-ingress.ts).
    IngressGateway: yes,
    // Each sidecar's istio_requests_total / istio_request_duration_milliseconds (reporter source and destination).
    RequestMetrics: yes,
    LatencyHistogram: yes,
    // A ServiceEntry per allowed host and a Sidecar for the callers' namespace with outboundTrafficPolicy REGISTRY_ONLY (render-istio-egress.ts).
    EgressControl: yes,
  },
  'sidecar-gateway-api': {
    MtlsStrict: yes,
    MtlsPermissive: yes,
    IdentityHeader: yes,
    AuthzByIdentity: yes,
    AuthzByRequest: yes,
    HeaderRouting: yes,
    WeightedRouting: yes,
    // HTTPRoute `retry` (experimental channel) and `timeouts` (standard): conversion.go.
    Retries: yes,
    Timeouts: yes,
    FaultAbort: no(noFaultFilter),
    FaultDelay: no(noFaultFilter),
    // RequestMirror with `percent` or `fraction` becomes the mirror percentage (createMirrorFilter).
    Mirroring: yes,
    // DestinationRules for the Services the routes send to.
    OutlierDetection: yes,
    ConnectionLimits: yes,
    // The EnvoyFilter on the server's sidecar is unchanged by the routing API.
    RateLimit: yes,
    PathNormalization: yes,
    RequestAuthzOutsideMesh: yes,
    // RequestAuthentication (jwt_authn on the server's sidecar) and AuthorizationPolicy requestPrincipals / request.auth.claims.
    JwtAuth: yes,
    // A Gateway API Gateway of class istio, which Istio deploys itself, and HTTPRoutes (render-istio-ingress.ts).
    IngressGateway: yes,
    // Each sidecar's istio_requests_total / istio_request_duration_milliseconds (reporter source and destination).
    RequestMetrics: yes,
    LatencyHistogram: yes,
    // A ServiceEntry per allowed host and a Sidecar for the callers' namespace with outboundTrafficPolicy REGISTRY_ONLY (render-istio-egress.ts).
    EgressControl: yes,
  },
  ambient: {
    // PeerAuthentication with a selector: enforced by the server's ztunnel (pilot/pkg/serviceregistry/ambient/policies.go).
    MtlsStrict: yes,
    MtlsPermissive: yes,
    // The waypoint writes X-Forwarded-Client-Cert from the tunnel's peer identity when its Gateway opts in.
    IdentityHeader: yes,
    AuthzByIdentity: yes,
    AuthzByRequest: yes,
    HeaderRouting: yes,
    WeightedRouting: yes,
    Retries: yes,
    Timeouts: yes,
    FaultAbort: no(noFaultFilter),
    FaultDelay: no(noFaultFilter),
    Mirroring: yes,
    // The waypoint applies DestinationRule connection pools and outlier detection (pilot/pkg/networking/core/cluster_waypoint.go).
    OutlierDetection: yes,
    ConnectionLimits: yes,
    RateLimit: no(
      "Istio has no rate-limit API and ambient leaves no Envoy to patch faithfully: an EnvoyFilter selecting the server's pods patches nothing (they run no proxy), and one on the waypoint is applied to every HTTP connection manager of its inbound listeners (SIDECAR_INBOUND patches, pilot/pkg/networking/core/listener_builder.go patchListeners; buildWaypointListeners puts all waypoint listeners there), including the HBONE CONNECT terminator (listener_waypoint.go buildHCMConnectTerminateChain), where every tunnel would spend tokens of the request budget",
    ),
    // The waypoint's HTTP connection manager is built like a sidecar's (listener_builder.go buildHTTPConnectionManager).
    PathNormalization: yes,
    RequestAuthzOutsideMesh: no(
      "a caller outside the mesh sends straight to the server's pod, where only ztunnel receives it: its inbound plaintext path checks L4 policy and copies bytes (istio/ztunnel 1.30.3 src/proxy/inbound_passthrough.rs), and no waypoint reads the request, so rules on method and path cannot hold for such a caller and headers it sends (X-Forwarded-Client-Cert included) reach the app as sent; meshproof refuses it at L4 wherever a rule needs HTTP attributes, as Istio itself omits such rules from ztunnel policy ('more restrictive than requested', pilot/pkg/serviceregistry/ambient/authorization.go)",
    ),
    IngressGateway: no(ingressNotRenderedForAmbient),
    JwtAuth: no(
      "meshproof renders RequestAuthentication for sidecars only so far: in ambient the token must be verified by the server's waypoint (RequestAuthentication and AuthorizationPolicy with targetRefs to the Service), and rules with requestPrincipals are HTTP-only, which ztunnel cannot enforce (pilot/pkg/security/authz/model/generator.go requestPrincipalGenerator: 'HTTP only' for TCP), so a caller bypassing the waypoint would need the L4 refusal the access-policy rendering gives; not yet rendered or proven here",
    ),
    RequestMetrics: no(ambientNoReporters),
    LatencyHistogram: no(ambientNoReporters),
    EgressControl: no(
      "ambient has no registry-only egress: ztunnel sends a connection to an address it knows no service or workload for straight through as TCP (istio/ztunnel 1.30.3 src/proxy/outbound.rs build_request: 'built request as passthrough; no upstream found') and reads no outbound traffic policy, and the Sidecar resource that carries outboundTrafficPolicy REGISTRY_ONLY configures sidecar proxies only, so an unlisted destination is reached",
    ),
  },
};

/**
 * The identity the server app is shown for a caller: the URI element of the
 * `X-Forwarded-Client-Cert` header Istio's sidecar (or, in ambient, the server's waypoint) sets on
 * mTLS requests, `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`.
 */
export function istioIdentityOf(caller: MeshMember, at: MeshPlacement = defaultPlacement): string {
  return spiffeId(callerIdentity(caller, at.names), at.trustDomain);
}

import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type {
  AccessPolicyIntent,
  AccessRule,
  Intent,
  RenderedResource,
  ServiceName,
  TopologyNames,
} from '../../model/index.ts';
import { kube, serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import type { KubeObject } from '../../platforms/kubernetes/render-fixtures.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import type { IstioObject } from './istio-object.ts';
import {
  istioPrincipal,
  istioResourceName,
  renderIstioAuthorizationPolicy,
  renderIstioPeerAuthentication,
} from './render-istio.ts';
import {
  intentsByService,
  renderGatewayApiDestinationRules,
  renderIstioHttpRoute,
  toRenderedResources,
} from './render-istio-gateway-api.ts';

/*
 * How intents become Istio ambient configuration (istio/istio 1.30.3, istio/ztunnel 1.30.3):
 *
 * - The server's namespace is bound to a waypoint of its own (`istio.io/use-waypoint: waypoint`), so
 *   every meshed caller's request to a Service there passes it: L7 policy and routing live there.
 *   Callers outside the mesh send straight to the pods and meet only the server's ztunnel.
 * - PeerAuthentication → the same selector policy as with sidecars: ztunnel enforces it per
 *   workload (pilot/pkg/serviceregistry/ambient/policies.go, authorization.go).
 * - AccessPolicy → two ALLOW policies. The waypoint's (`targetRefs` the Service: policies with a
 *   selector never reach a waypoint) holds every rule with its methods and paths. The ztunnel's
 *   (`selector` app=server) holds what ztunnel can check: the waypoint's own identity (through it
 *   the callers' requests arrive) and the rules without HTTP attributes. A caller that bypasses
 *   the waypoint (outside the mesh, or addressing a pod) is thus held to identity rules at L4 and
 *   refused where a rule needs HTTP attributes, as Istio itself omits such rules from ztunnel
 *   policy ("more restrictive than requested", authorization.go). Without the ztunnel policy a
 *   caller outside the mesh would pass every waypoint rule.
 * - HttpRoute, ConnectionLimit, OutlierDetection → HTTPRoute and DestinationRules as for Gateway
 *   API routing with sidecars (`render-istio-gateway-api.ts`); the waypoint applies them.
 * - RateLimit cannot be rendered (see the ambient support of RateLimit).
 */

/** The waypoint every run deploys into the server's namespace (what `istioctl waypoint apply` names it). */
export const waypointName = 'waypoint';

/**
 * The Gateway annotation (set through `spec.infrastructure.annotations`, which reach the waypoint's
 * pod) that makes the waypoint write X-Forwarded-Client-Cert from the caller's tunnel identity
 * (pilot/pkg/networking/core/listener_waypoint.go, xfccClientIdentityAnnotation).
 */
export const waypointXfccAnnotation = 'ambient.istio.io/xfcc-include-client-identity';

/** The namespace labels that enrol the meshed namespace in ambient and bind its Services to the waypoint. */
export const ambientNamespaceLabels = {
  'istio.io/dataplane-mode': 'ambient',
  'istio.io/use-waypoint': waypointName,
} as const;

type GatewaySpec = NonNullable<IGateway['spec']>;
type AuthorizationPolicySpec = NonNullable<IAuthorizationPolicy['spec']>;
type AuthorizationRule = NonNullable<AuthorizationPolicySpec['rules']>[number];

/**
 * The waypoint of the run's meshed namespace, as `istioctl waypoint apply --revision R` writes it
 * (istioctl/pkg/waypoint/waypoint.go: class `istio-waypoint`, listener `mesh` on 15008 of protocol
 * HBONE, label `istio.io/rev`), applied by the run as an object of its own, with identity
 * forwarding switched on.
 */
export function renderWaypointGateway(
  names: TopologyNames,
  revision: string,
  runLabels: Readonly<Record<string, string>>,
): KubeObject & { spec: GatewaySpec } {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: {
      name: waypointName,
      namespace: names.meshNamespace,
      labels: { ...runLabels, 'istio.io/rev': revision },
    },
    spec: {
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      infrastructure: { annotations: { [waypointXfccAnnotation]: 'true' } },
    },
  };
}

/** The waypoint's identity, as AuthorizationPolicy principals name it: its service account is its name. */
export function waypointPrincipal(at: MeshPlacement = defaultPlacement): string {
  return `${at.trustDomain}/ns/${at.names.meshNamespace}/sa/${waypointName}`;
}

/** Names of the two access policies of a service in ambient. */
export const ambientResourceName = {
  waypointPolicy: istioResourceName.authorizationPolicy,
  ztunnelPolicy: (service: ServiceName) => `${service}-access-ztunnel`,
} as const;

/** The waypoint's ALLOW policy: every rule, attached to the Service. */
export function renderWaypointAuthorizationPolicy(
  service: ServiceName,
  policies: readonly AccessPolicyIntent[],
  at: MeshPlacement = defaultPlacement,
): IstioObject<AuthorizationPolicySpec> {
  const sidecar = renderIstioAuthorizationPolicy(service, policies, at);
  const { selector: _selector, ...spec } = sidecar.spec;
  return {
    ...sidecar,
    metadata: { ...sidecar.metadata, name: ambientResourceName.waypointPolicy(service) },
    spec: { targetRefs: [{ group: '', kind: 'Service', name: serviceName(service) }], ...spec },
  };
}

/** A rule ztunnel can check (no methods, no paths), as an L4 rule; undefined for the others. */
function l4Rule(rule: AccessRule, at: MeshPlacement): AuthorizationRule | undefined {
  if (rule.methods !== undefined || rule.pathPrefixes !== undefined) return undefined;
  if (rule.from === undefined) return {};
  if (rule.from.length === 0) return undefined;
  return { from: [{ source: { principals: rule.from.map((c) => istioPrincipal(c, at)) } }] };
}

/**
 * The ztunnel's ALLOW policy on the service's pods: the waypoint's identity, and the rules without
 * HTTP attributes. Whatever does not pass the waypoint is held to those at L4.
 */
export function renderZtunnelAuthorizationPolicy(
  service: ServiceName,
  policies: readonly AccessPolicyIntent[],
  at: MeshPlacement = defaultPlacement,
): IstioObject<AuthorizationPolicySpec> {
  const l4 = policies.flatMap((p) => p.rules).flatMap((rule) => l4Rule(rule, at) ?? []);
  const unique = [...new Map(l4.map((r) => [JSON.stringify(r), r])).values()];
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: {
      name: ambientResourceName.ztunnelPolicy(service),
      namespace: at.names.meshNamespace,
      labels: { 'app.kubernetes.io/managed-by': 'meshproof' },
    },
    spec: {
      selector: { matchLabels: { [kube.appLabel]: service } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: [waypointPrincipal(at)] } }] }, ...unique],
    },
  };
}

/**
 * Istio ambient configuration for intents (pure), in the order to apply it: mTLS, the ztunnel's
 * and the waypoint's access policies, DestinationRules, then the HTTPRoute.
 */
export function renderIstioAmbient(
  intents: readonly Intent[],
  at: MeshPlacement = defaultPlacement,
): RenderedResource[] {
  const objects: IstioObject<unknown>[] = [];
  if (intents.some((i) => i.kind === 'EgressPolicy')) {
    throw new RangeError(
      'istio ambient: registry-only egress cannot be rendered (ztunnel passes unknown destinations through; see the EgressControl support of ambient)',
    );
  }
  for (const [service, s] of intentsByService(intents)) {
    if (s.rateLimit) {
      throw new RangeError(
        'istio ambient: a local rate limit cannot be rendered (no Envoy on the server pods; see the RateLimit support of ambient)',
      );
    }
    if (s.requestAuth || s.jwtAccess.length > 0) {
      throw new RangeError(
        'istio ambient: end-user authentication is not rendered for the waypoint yet (see the JwtAuth support of ambient)',
      );
    }
    if (intents.some((i) => i.kind === 'IngressGateway')) {
      throw new RangeError(
        'istio ambient: the ingress gateway is not rendered for ambient yet (see the IngressGateway support of ambient)',
      );
    }
    if (s.peer) objects.push(renderIstioPeerAuthentication(s.peer, at));
    if (s.access.length > 0) {
      objects.push(renderZtunnelAuthorizationPolicy(service, s.access, at));
      objects.push(renderWaypointAuthorizationPolicy(service, s.access, at));
    }
    objects.push(...renderGatewayApiDestinationRules(service, s, at));
    if (s.route) objects.push(renderIstioHttpRoute(s.route, at));
  }
  return toRenderedResources(objects);
}

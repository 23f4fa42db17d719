import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IngressGatewayIntent } from '../../model/index.ts';
import { kube, serviceHost, serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import type { IstioObject } from './istio-object.ts';

/*
 * The ingress gateway in Istio 1.30.3 (contract rows G1–G8): a `networking.istio.io/v1` Gateway
 * selecting the gateway pods the run deploys in its own mesh namespace (never a gateway the user
 * runs), with an HTTPS server for the host whose certificate is the run's TLS Secret
 * (`credentialName`, looked up in the gateway pods' namespace) and an HTTP server for the same
 * host with `httpsRedirect` (Envoy `require_tls: ALL`, answered 301); and a VirtualService bound
 * to that Gateway routing the path prefixes to the service. A VirtualService `uri.prefix` is a
 * plain string prefix (route.go translateRouteMatch: path-separated only for Ingress and Gateway
 * API conversions), so a prefix is rendered as `exact: /api` or `prefix: /api/`.
 */

/** The run's gateway: Deployment, ServiceAccount (its mesh identity) and pod label, and its TLS Secret. */
export const istioIngressGateway = {
  /** Also the service account, so that the gateway's identity is `…/sa/ingress-gateway`. */
  name: 'ingress-gateway',
  selector: { [kube.appLabel]: 'ingress-gateway' },
  tlsSecret: 'ingress-gateway-tls',
  /** Service ports the Gateway servers name (the Service maps them to the pods' 8080 and 8443). */
  httpPort: 80,
  httpsPort: 443,
} as const;

type GatewaySpec = NonNullable<IGateway['spec']>;
type VirtualServiceSpec = NonNullable<IVirtualService['spec']>;
type HttpMatch = NonNullable<NonNullable<VirtualServiceSpec['http']>[number]['match']>[number];

const managedBy = { 'app.kubernetes.io/managed-by': 'meshproof' } as const;

/** The Gateway and the VirtualService of one ingress intent. */
export function renderIstioIngress(
  intent: IngressGatewayIntent,
  at: MeshPlacement = defaultPlacement,
): IstioObject<unknown>[] {
  const name = `${intent.service}-ingress`;
  const metadata = { name, namespace: at.names.meshNamespace, labels: { ...managedBy } };
  const gateway: IstioObject<GatewaySpec> = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata,
    spec: {
      selector: { ...istioIngressGateway.selector },
      servers: [
        {
          port: { number: istioIngressGateway.httpsPort, name: 'https', protocol: 'HTTPS' },
          hosts: [intent.host],
          tls: { mode: 'SIMPLE', credentialName: istioIngressGateway.tlsSecret },
        },
        {
          port: { number: istioIngressGateway.httpPort, name: 'http', protocol: 'HTTP' },
          hosts: [intent.host],
          ...(intent.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
        },
      ],
    },
  };
  const matches: HttpMatch[] = [...new Set(intent.pathPrefixes.map((p) => p.replace(/\/+$/, '')))].flatMap(
    (base) =>
      base === '' ? [{ uri: { prefix: '/' } }] : [{ uri: { exact: base } }, { uri: { prefix: `${base}/` } }],
  );
  const virtualService: IstioObject<VirtualServiceSpec> = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata,
    spec: {
      hosts: [intent.host],
      gateways: [name],
      http:
        matches.length === 0
          ? []
          : [
              {
                name: 'ingress',
                match: matches,
                route: [
                  {
                    destination: {
                      host: serviceHost(serviceName(intent.service), at.names),
                      port: { number: kube.servicePort },
                    },
                  },
                ],
              },
            ],
    },
  };
  return [gateway, virtualService];
}

// ---------------------------------------------------------------- Gateway API (routing mode gateway-api)
//
// A Gateway of class `istio`, which Istio 1.30.3 deploys itself in the Gateway's namespace
// (pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go: Deployment and ServiceAccount
// named `<name>-<class>` unless the annotations gateway.istio.io/name-override and
// gateway.istio.io/service-account say otherwise; the ServiceAccount is created by
// manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml), so the gateway is the
// run's own; its service account is set to the one the gateway's identity names. HTTPRoute
// PathPrefix matches whole segments (route.go: PathSeparatedPrefix under Gateway semantics), and
// a RequestRedirect with a scheme and no port redirects to the scheme's default port
// (conversion.go createRedirectFilter: FROM_PROTOCOL_DEFAULT), so the Location is the same as
// with httpsRedirect; its statusCode is written out, as Gateway API defaults to 302.

type GatewayApiObject = IstioObject<unknown> & {
  readonly metadata: IstioObject<unknown>['metadata'] & { readonly annotations?: Record<string, string> };
};

/** The Gateway (listeners `https` and `http` for the host) and its HTTPRoutes, for Gateway API routing. */
export function renderIstioGatewayApiIngress(
  intent: IngressGatewayIntent,
  at: MeshPlacement = defaultPlacement,
): GatewayApiObject[] {
  const name = `${intent.service}-ingress`;
  const metadata = (objectName: string) => ({
    name: objectName,
    namespace: at.names.meshNamespace,
    labels: { ...managedBy },
  });
  const gatewayApi = 'gateway.networking.k8s.io/v1';
  const gateway: GatewayApiObject = {
    apiVersion: gatewayApi,
    kind: 'Gateway',
    metadata: {
      ...metadata(name),
      annotations: {
        'gateway.istio.io/name-override': istioIngressGateway.name,
        'gateway.istio.io/service-account': istioIngressGateway.name,
        // Reached from inside the cluster (the outsider's pod), never exposed by a load balancer.
        'networking.istio.io/service-type': 'ClusterIP',
      },
    },
    spec: {
      gatewayClassName: 'istio',
      listeners: [
        {
          name: 'https',
          hostname: intent.host,
          port: istioIngressGateway.httpsPort,
          protocol: 'HTTPS',
          tls: {
            mode: 'Terminate',
            certificateRefs: [{ group: '', kind: 'Secret', name: istioIngressGateway.tlsSecret }],
          },
        },
        { name: 'http', hostname: intent.host, port: istioIngressGateway.httpPort, protocol: 'HTTP' },
      ],
    },
  };
  const parent = (sectionName: string) => ({
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name,
    sectionName,
  });
  const routed: GatewayApiObject = {
    apiVersion: gatewayApi,
    kind: 'HTTPRoute',
    metadata: metadata(name),
    spec: {
      parentRefs: intent.httpsRedirect ? [parent('https')] : [parent('https'), parent('http')],
      hostnames: [intent.host],
      rules:
        intent.pathPrefixes.length === 0
          ? []
          : [
              {
                matches: intent.pathPrefixes.map((value) => ({ path: { type: 'PathPrefix', value } })),
                backendRefs: [{ name: serviceName(intent.service), port: kube.servicePort }],
              },
            ],
    },
  };
  const redirect: GatewayApiObject = {
    apiVersion: gatewayApi,
    kind: 'HTTPRoute',
    metadata: metadata(`${name}-https-redirect`),
    spec: {
      parentRefs: [parent('http')],
      hostnames: [intent.host],
      rules: [
        { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
      ],
    },
  };
  return intent.httpsRedirect ? [gateway, routed, redirect] : [gateway, routed];
}

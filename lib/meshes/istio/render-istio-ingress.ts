import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IngressGatewayIntent } from '../../model/index.ts';
import { kube, serviceHost, serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import type { IstioObject } from './render-istio.ts';

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

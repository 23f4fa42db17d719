import type { IngressGatewayIntent, Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import type { IngressGatewayWiring, ReferenceWiring, SidecarWiring } from './wiring.ts';

/*
 * The reference ingress gateway: what Istio 1.30.3 programs into its gateway Envoy for a Gateway
 * server pair (HTTPS with a credential, HTTP with httpsRedirect) and a VirtualService bound to it
 * (docs/reference-mesh-semantics.md "Ingress gateway"; contract rows G*):
 * - the HTTPS filter chain matches the server's hosts as SNI (server_names): a ClientHello for
 *   another name, or without one, matches no chain and the connection is closed (`strict-sni`);
 * - a virtual host per server host, matched case-insensitively, the port ignored
 *   (`ignore_port_in_host_matching`); a Host no virtual host names, or a path no route takes, is
 *   404 (Envoy's "NR");
 * - httpsRedirect sets `require_tls: ALL`: Envoy answers 301 with `Location: https://<Host as
 *   sent><path as sent>` before routing (and before reading the body);
 * - upstream, the gateway is a mesh member: mTLS with its own workload certificate, so the
 *   server's sidecar shows the app the gateway's identity.
 */

/** Renders the gateway's haproxy configuration (the sections after `global` and `defaults`). */
export function renderIngressGatewaySections(
  gateway: SidecarWiring,
  listeners: IngressGatewayWiring,
  wiring: ReferenceWiring,
  intents: readonly Intent[],
  defects: ReadonlySet<ReferenceDefect>,
): string[][] {
  const intent = intents.find((i): i is IngressGatewayIntent => i.kind === 'IngressGateway');
  if (!intent) {
    // No Gateway: Istio programs no listener, so the ports take no connection.
    return [
      [
        'frontend ingress-unconfigured',
        '  mode tcp',
        `  bind 127.0.0.1:${listeners.httpPort}`,
        `  bind 127.0.0.1:${listeners.httpsPort}`,
        '  tcp-request connection reject',
      ],
    ];
  }
  const upstream = `ingress-${intent.service}`;
  const routing = routingLines(intent, upstream, defects);
  const plain = intent.httpsRedirect
    ? [
        hostVariableLine(defects),
        `  http-request redirect ${redirectTarget(listeners, defects)} if ${hostCondition(intent, defects)}`,
        '  default_backend ingress-no-route',
      ]
    : routing;
  return [
    [
      'frontend ingress-https',
      `  bind 127.0.0.1:${listeners.httpsPort} ssl ${certificateOptions(listeners, defects)} alpn http/1.1`,
      ...routing,
    ],
    ['frontend ingress-http', `  bind 127.0.0.1:${listeners.httpPort}`, ...plain],
    [`backend ${upstream}`, '  balance roundrobin', ...upstreamServers(gateway, wiring, intent, defects)],
    [
      'backend ingress-no-route',
      '  http-request return status 404 content-type text/plain string "no route"',
    ],
  ];
}

/** The certificate the HTTPS listener serves, and whether an SNI it does not name is refused. */
function certificateOptions(listeners: IngressGatewayWiring, defects: ReadonlySet<ReferenceDefect>): string {
  const { certificates } = listeners;
  // A gateway holding another host's certificate serves it as its only (default) one.
  if (defects.has('ingress-certificate-other-host')) return `crt ${certificates.otherHost}`;
  const file = defects.has('ingress-certificate-foreign-ca')
    ? certificates.foreignCa
    : defects.has('ingress-certificate-expired')
      ? certificates.expired
      : certificates.host;
  return defects.has('ingress-default-certificate') ? `crt ${file}` : `crt ${file} strict-sni`;
}

/** The Host as virtual hosts match it: lower case, its port dropped. */
function hostVariableLine(defects: ReadonlySet<ReferenceDefect>): string {
  const port = defects.has('ingress-host-port-unmatched') ? '' : ',field(1,:)';
  const lower = defects.has('ingress-host-case-sensitive') ? '' : ',lower';
  return `  http-request set-var(txn.ingress_host) req.hdr(host)${port}${lower}`;
}

/** The request names the gateway's host (the defect takes any Host, like a catch-all virtual host). */
function hostCondition(intent: IngressGatewayIntent, defects: ReadonlySet<ReferenceDefect>): string {
  return defects.has('ingress-unknown-host-default-backend')
    ? 'TRUE'
    : `{ var(txn.ingress_host) -m str ${intent.host} }`;
}

/** Host, then path prefix (whole segments, case-sensitive), else 404. */
function routingLines(
  intent: IngressGatewayIntent,
  upstream: string,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  const flags = defects.has('ingress-path-case-insensitive') ? '-i ' : '';
  const prefixes = defects.has('ingress-prefix-no-segment-boundary')
    ? `{ path_beg ${flags}${intent.pathPrefixes.join(' ')} }`
    : `{ path,concat(/) -m beg ${flags}${[...new Set(intent.pathPrefixes.map((p) => `${p.replace(/\/+$/, '')}/`))].join(' ')} }`;
  return [
    hostVariableLine(defects),
    ...(intent.pathPrefixes.length > 0
      ? [`  use_backend ${upstream} if ${hostCondition(intent, defects)} ${prefixes}`]
      : []),
    '  default_backend ingress-no-route',
  ];
}

/** The gateway's own in-cluster name, which a defective redirect names instead of the Host as sent. */
const gatewayServiceHost = 'ingress-gateway.meshproof.svc.cluster.local';

/** Envoy's `require_tls` answer: 301 to `https://` + the Host as sent + the path and query as sent. */
function redirectTarget(listeners: IngressGatewayWiring, defects: ReadonlySet<ReferenceDefect>): string {
  const scheme = defects.has('ingress-redirect-http-scheme') ? 'http' : 'https';
  const authority = defects.has('ingress-redirect-listener-port')
    ? `%[req.hdr(host),field(1,:)]:${listeners.httpsPort}`
    : defects.has('ingress-redirect-wrong-host')
      ? gatewayServiceHost
      : '%[req.hdr(host)]';
  const target = defects.has('ingress-redirect-path-dropped') ? '/' : '%[url]';
  const code = defects.has('ingress-redirect-302') ? 302 : defects.has('ingress-redirect-308') ? 308 : 301;
  return `location ${scheme}://${authority}${target} code ${code}`;
}

/**
 * The service's endpoints as the gateway reaches them: mTLS with the gateway's mesh certificate,
 * verifying the server's against the mesh root. A caller-supplied X-Forwarded-Client-Cert is not
 * forwarded (the server's sidecar would replace it on mTLS anyway).
 */
function upstreamServers(
  gateway: SidecarWiring,
  wiring: ReferenceWiring,
  intent: IngressGatewayIntent,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  const tls = defects.has('ingress-gateway-plaintext-upstream')
    ? ''
    : ` ssl crt ${gateway.certFile} ca-file ${wiring.caFile} verify required`;
  return [
    '  http-request del-header x-forwarded-client-cert',
    ...wiring.services[intent.service].map(
      (endpoint) => `  server ${endpoint.sidecar} 127.0.0.1:${endpoint.port}${tls}`,
    ),
  ];
}

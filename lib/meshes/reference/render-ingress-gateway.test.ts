import { describe, expect, it } from 'vitest';
import type { IngressGatewayIntent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import { renderReferenceMesh } from './render-haproxy.ts';
import type { ReferenceWiring } from './wiring.ts';

/** A reference mesh with the ingress gateway, fixed ports and files: rendering is pure, nothing runs. */
const wiring: ReferenceWiring = {
  runId: 'test',
  caFile: '/run/ca.pem',
  luaFile: '/run/sidecar.lua',
  sidecars: [
    {
      name: 'server-v1',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/server',
      certFile: '/run/server-v1.pem',
      inbound: { port: 15006, appPort: 8080 },
    },
    {
      name: 'ingress-gateway',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/ingress-gateway',
      certFile: '/run/ingress-gateway.pem',
      ingress: {
        httpPort: 18080,
        httpsPort: 18443,
        certificates: {
          host: '/run/ingress-host.pem',
          otherHost: '/run/ingress-other-host.pem',
          foreignCa: '/run/ingress-foreign-ca.pem',
          expired: '/run/ingress-expired.pem',
        },
      },
    },
  ],
  services: { server: [{ version: 'v1', sidecar: 'server-v1', port: 15006 }] },
};

const ingress: IngressGatewayIntent = {
  kind: 'IngressGateway',
  service: 'server',
  host: 'ingress.meshproof.test',
  pathPrefixes: ['/api'],
  httpsRedirect: true,
};

const gatewayConfig = (withIngress: boolean, defects: readonly ReferenceDefect[] = []) =>
  renderReferenceMesh(withIngress ? [ingress] : [], wiring, new Set(defects)).find(
    (r) => r.name === 'sidecar/ingress-gateway',
  )?.content ?? '';

const lineWith = (config: string, needle: string) =>
  config.split('\n').find((line) => line.includes(needle)) ?? '';

describe('the reference ingress gateway', () => {
  it('takes no connection while no gateway is configured (Istio programs no listener)', () => {
    const config = gatewayConfig(false);
    expect(config).toContain('  tcp-request connection reject');
    expect(config).not.toContain('ssl crt');
  });

  it("serves the host's certificate only to its SNI, routes the host's prefix by whole segments over mTLS, and redirects HTTP with 301", () => {
    const config = gatewayConfig(true);
    expect(lineWith(config, 'bind 127.0.0.1:18443')).toBe(
      '  bind 127.0.0.1:18443 ssl crt /run/ingress-host.pem strict-sni alpn http/1.1',
    );
    expect(config).toContain('  http-request set-var(txn.ingress_host) req.hdr(host),field(1,:),lower');
    expect(config).toContain(
      '  use_backend ingress-server if { var(txn.ingress_host) -m str ingress.meshproof.test } { path,concat(/) -m beg /api/ }',
    );
    expect(config).toContain(
      '  http-request redirect location https://%[req.hdr(host)]%[url] code 301 if { var(txn.ingress_host) -m str ingress.meshproof.test }',
    );
    expect(config).toContain(
      '  server server-v1 127.0.0.1:15006 ssl crt /run/ingress-gateway.pem ca-file /run/ca.pem verify required',
    );
  });

  it('routes plain HTTP like HTTPS when the intent does not redirect', () => {
    const config = renderReferenceMesh([{ ...ingress, httpsRedirect: false }], wiring).find(
      (r) => r.name === 'sidecar/ingress-gateway',
    )?.content;
    expect(config).not.toContain('redirect');
    expect(config?.match(/use_backend ingress-server/g)).toHaveLength(2);
  });

  it.each<[ReferenceDefect, string, string]>([
    ['ingress-certificate-other-host', 'bind 127.0.0.1:18443', 'ssl crt /run/ingress-other-host.pem alpn'],
    ['ingress-certificate-foreign-ca', 'bind 127.0.0.1:18443', 'crt /run/ingress-foreign-ca.pem strict-sni'],
    ['ingress-certificate-expired', 'bind 127.0.0.1:18443', 'crt /run/ingress-expired.pem strict-sni'],
    ['ingress-default-certificate', 'bind 127.0.0.1:18443', 'crt /run/ingress-host.pem alpn'],
    ['ingress-host-case-sensitive', 'set-var(txn.ingress_host)', 'req.hdr(host),field(1,:)'],
    ['ingress-host-port-unmatched', 'set-var(txn.ingress_host)', 'req.hdr(host),lower'],
    ['ingress-unknown-host-default-backend', 'use_backend', 'if TRUE { path'],
    ['ingress-prefix-no-segment-boundary', 'use_backend', '{ path_beg /api }'],
    ['ingress-path-case-insensitive', 'use_backend', '-m beg -i /api/'],
    ['ingress-redirect-http-scheme', 'redirect', 'location http://%[req.hdr(host)]%[url] code 301'],
    ['ingress-redirect-listener-port', 'redirect', 'https://%[req.hdr(host),field(1,:)]:18443%[url]'],
    ['ingress-redirect-path-dropped', 'redirect', 'https://%[req.hdr(host)]/ code 301'],
    ['ingress-redirect-302', 'redirect', 'code 302'],
    ['ingress-redirect-308', 'redirect', 'code 308'],
    ['ingress-redirect-wrong-host', 'redirect', 'https://ingress-gateway.meshproof.svc.cluster.local%[url]'],
    ['ingress-gateway-plaintext-upstream', 'server server-v1', '127.0.0.1:15006'],
  ])('under %s renders %s as %s', (defect, line, expected) => {
    const conformant = lineWith(gatewayConfig(true), line);
    const defective = lineWith(gatewayConfig(true, [defect]), line);
    expect(defective).toContain(expected);
    expect(defective).not.toBe(conformant);
  });

  it('renders the gateway the same under every defect of other features', () => {
    expect(gatewayConfig(true, ['mtls-permissive', 'authz-ignored', 'jwt-expiry-ignored'])).toBe(
      gatewayConfig(true),
    );
  });
});

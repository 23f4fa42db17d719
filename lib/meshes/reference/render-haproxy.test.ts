import { describe, expect, it } from 'vitest';
import type { Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import { renderReferenceMesh } from './render-haproxy.ts';
import type { ReferenceWiring } from './wiring.ts';

/** A reference mesh's wiring with fixed ports and files: rendering is pure, nothing runs. */
const wiring: ReferenceWiring = {
  runId: 'test',
  caFile: '/run/ca.pem',
  luaFile: '/run/delay.lua',
  sidecars: [
    {
      name: 'client',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/client',
      certFile: '/run/client.pem',
      outboundPort: 15001,
    },
    {
      name: 'server-v1',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/server',
      certFile: '/run/server-v1.pem',
      inbound: { port: 15006, appPort: 8080 },
    },
  ],
  services: { server: [{ version: 'v1', sidecar: 'server-v1', port: 15006 }] },
};

const serverConfig = (intents: readonly Intent[], defects: readonly ReferenceDefect[] = []) =>
  renderReferenceMesh(intents, wiring, new Set(defects)).find((r) => r.name === 'sidecar/server-v1')
    ?.content ?? '';

describe('renderReferenceMesh: the inbound side', () => {
  const policy: Intent = {
    kind: 'AccessPolicy',
    service: 'server',
    rules: [{ from: ['client'], methods: ['GET'], pathPrefixes: ['/api', '/public/'] }],
  };

  it('normalizes the path before anything judges it, and requires a valid mesh client certificate', () => {
    const lines = serverConfig([
      policy,
      { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
    ]).split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    expect(lines.find((l) => l.includes('bind 127.0.0.1:15006'))).toMatch(/ssl crt .* verify required$/);
    expect(at('normalize-uri percent-decode-unreserved')).toBeGreaterThan(at('set-path %[path,regsub('));
    expect(at('normalize-uri path-strip-dot')).toBeGreaterThan(at('percent-decode-unreserved'));
    expect(at('normalize-uri path-strip-dotdot full')).toBeGreaterThan(at('path-strip-dot'));
    expect(at('http-request deny status 403')).toBeGreaterThan(at('path-strip-dotdot'));
  });

  it('matches path prefixes segment by segment on the peer certificate’s identity', () => {
    expect(serverConfig([policy])).toContain(
      'unless { ssl_c_s_dn(CN) -m str spiffe://cluster.local/ns/meshproof/sa/client } { method GET } { path,concat(/) -m beg /api/ /public/ }',
    );
  });

  it('renders a rule condition that lists nothing as matching nothing', () => {
    expect(
      serverConfig([{ kind: 'AccessPolicy', service: 'server', rules: [{ from: [], pathPrefixes: [] }] }]),
    ).toContain('unless FALSE FALSE');
  });

  it('removes a caller-supplied X-Forwarded-Client-Cert on both listeners and sets it only on mTLS', () => {
    const config = serverConfig([]);
    const plaintext = config.slice(config.indexOf('frontend inbound-plaintext'));
    expect(plaintext).toContain('http-request del-header x-forwarded-client-cert');
    expect(plaintext).not.toContain('set-header x-forwarded-client-cert');
    expect(config).toMatch(/set-header x-forwarded-client-cert ".*" if \{ ssl_c_used \}/);
  });
});

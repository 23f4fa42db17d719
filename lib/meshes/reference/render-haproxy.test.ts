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

describe('renderReferenceMesh: end-user authentication', () => {
  const auth: Intent = {
    kind: 'RequestAuthentication',
    service: 'server',
    issuer: 'https://issuer.example',
    audiences: ['server'],
    claimHeaders: { 'x-jwt-sub': 'sub' },
  };
  const withKeys: ReferenceWiring = { ...wiring, jwtKeyFiles: ['/run/jwks-key-0.pem'] };
  const render = (intents: readonly Intent[], defects: readonly ReferenceDefect[] = []) =>
    renderReferenceMesh(intents, withKeys, new Set(defects)).find((r) => r.name === 'sidecar/server-v1')
      ?.content ?? '';

  it('verifies tokens in a hop on a thread of its own, the TLS listeners on the other', () => {
    const config = render([auth]);
    expect(config).toContain('  nbthread 2');
    expect(config).toMatch(/bind 127\.0\.0\.1:15006( .*)? thread 1\n/);
    expect(config).toMatch(/frontend inbound-mtls\n {2}bind abns@\S+ accept-proxy ssl .* thread 1\n/);
    expect(config).toMatch(/frontend inbound-authn\n {2}bind abns@\S+ thread 2\n/);
    expect(config.indexOf('jwt_verify')).toBeGreaterThan(config.indexOf('frontend inbound-authn'));
    expect(config).toContain('jwt_verify("RS256","/run/jwks-key-0.pem")');
    // The caller's sidecar never verifies tokens.
    const client = renderReferenceMesh([auth], withKeys).find((r) => r.name === 'sidecar/client')?.content;
    expect(client).not.toContain('nbthread');
  });

  it('checks alg, signature, issuer, audience and expiry, then removes the token', () => {
    const config = render([auth]);
    for (const reason of [
      'Jwt verification fails',
      'Jwt issuer is not configured',
      'Audiences in Jwt are not allowed',
      'Jwt is expired',
    ]) {
      expect(config).toContain(`string "${reason}"`);
    }
    expect(config).toContain('!{ var(txn.jwt_alg) -m str RS256 }');
    expect(config).toContain('http-request del-header authorization');
    expect(render([auth], ['jwt-alg-from-token'])).toContain('jwt_verify(txn.jwt_alg,');
  });

  it('refuses to render without the key set, or with an access policy on peer identity beside it', () => {
    expect(() => renderReferenceMesh([auth], wiring)).toThrow(/JWKS keys/);
    const peer: Intent = { kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client'] }] };
    expect(() => render([auth, peer])).toThrow(/cannot combine/);
  });

  it('reads a claim as a string and element by element, as one ACL name', () => {
    const config = render([
      auth,
      { kind: 'JwtAccessPolicy', service: 'server', rules: [{ claims: { groups: ['admins'] } }] },
    ]);
    expect(config).toContain("acl jwt_rule0_claim0 var(txn.jwt),jwt_payload_query('$.groups') -m str admins");
    expect(config).toContain(
      "acl jwt_rule0_claim0 var(txn.jwt),jwt_payload_query('$.groups[7]') -m str admins",
    );
    expect(config).toContain('unless { var(txn.jwt_principal) -m found } jwt_rule0_claim0');
  });
});

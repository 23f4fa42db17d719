import { describe, expect, it } from 'vitest';
import type { EgressPolicyIntent, Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import { renderEgress } from './render-egress.ts';
import type { ReferenceWiring, SidecarWiring } from './wiring.ts';

const client: SidecarWiring = {
  name: 'client',
  identity: 'spiffe://cluster.local/ns/meshproof/sa/client',
  certFile: '/mesh/client.pem',
  outboundPort: 1001,
  egressPort: 1101,
};
const frontend: SidecarWiring = { ...client, name: 'frontend', outboundPort: 1002, egressPort: 1102 };
const wiring: ReferenceWiring = {
  runId: 'egress',
  caFile: '/mesh/ca.pem',
  luaFile: '/mesh/sidecar.lua',
  sidecars: [client, frontend],
  services: { server: [] },
  external: {
    ext: { address: '127.0.0.2', port: 4000 },
    'ext-alt': { address: '127.0.0.2', port: 4001 },
    forbidden: { address: '127.0.0.3', port: 4000 },
  },
};
const policy: EgressPolicyIntent = {
  kind: 'EgressPolicy',
  allowed: [{ host: 'ext.example', destination: 'ext' }],
};

function rendered(
  intents: readonly Intent[],
  defects: readonly ReferenceDefect[] = [],
  sidecar = client,
): string {
  return renderEgress(sidecar, sidecar.egressPort ?? 0, { intents, wiring, defects: new Set(defects) })
    .map((lines) => lines.join('\n'))
    .join('\n\n');
}

describe('renderEgress', () => {
  it("passes everything through to the address dialled without a policy (Istio's ALLOW_ANY)", () => {
    const text = rendered([]);
    expect(text).toContain('bind 127.0.0.1:1101 accept-proxy');
    expect(text).toContain('default_backend egress-passthrough');
    expect(text).toContain('server original-destination 0.0.0.0:0');
    expect(text).not.toContain('reject');
  });

  it('under REGISTRY_ONLY: no listener for undeclared ports, 502 for unknown hosts, the allowed host to its own endpoint', () => {
    const text = rendered([policy]);
    expect(text).toContain('http-request reject unless { dst_port 4000 }');
    expect(text).toContain(
      'use_backend egress-ext.example-4000 if { var(txn.egress_host) -m str ext.example } { dst_port 4000 }',
    );
    expect(text).toContain('server ext.example 127.0.0.2:4000');
    expect(text).toContain('backend egress-block-all\n  http-request return status 502');
    expect(text).toContain('default_backend egress-block-all');
    expect(text).toContain('req.hdr(host),field(1,:),lower');
    expect(text).not.toContain('egress-passthrough');
  });

  it('applies to every caller of the namespace', () => {
    expect(rendered([policy], [], frontend)).toContain('default_backend egress-block-all');
  });

  it.each<[ReferenceDefect, string]>([
    ['egress-allow-any-fallback', 'default_backend egress-passthrough'],
    ['egress-host-suffix', '-m end ext.example'],
    ['egress-host-prefix', '-m beg ext.example'],
    ['egress-host-header-trusted', 'server ext.example 0.0.0.0:0'],
    ['egress-port-ignored', 'server ext.example 127.0.0.2\n'],
    ['egress-catch-all-host', 'use_backend egress-ext.example-4000 if { dst_port 4000 }'],
    ['egress-service-entry-unexported', '  http-request reject\n'],
  ])('defect %s renders %j', (defect, line) => {
    expect(rendered([policy], [defect])).toContain(line);
    expect(rendered([policy])).not.toContain(line);
  });

  it('defect egress-host-case-sensitive compares the Host as sent, egress-policy-one-workload leaves the frontend open', () => {
    expect(rendered([policy], ['egress-host-case-sensitive'])).not.toContain(',lower');
    expect(rendered([policy], ['egress-host-port-kept'])).not.toContain('field(1,:)');
    expect(rendered([policy], ['egress-policy-one-workload'], frontend)).toContain(
      'default_backend egress-passthrough',
    );
    expect(rendered([policy], ['egress-policy-one-workload'], client)).toContain(
      'default_backend egress-block-all',
    );
  });

  it('refuses a policy whose fixture addresses the platform did not wire', () => {
    const { external: _external, ...unwired } = wiring;
    expect(() =>
      renderEgress(client, 1101, { intents: [policy], wiring: unwired, defects: new Set() }),
    ).toThrow(/address of the external fixture ext/);
  });
});

import { describe, expect, it } from 'vitest';
import { registry } from '../../suites/registry.ts';
import type { ReferenceWiring } from '../meshes/reference/wiring.ts';
import type { Check, RenderedResource } from '../model/index.ts';
import { defectFootprint, differingResources, referenceDefectFootprint } from './defect-footprint.ts';

const versions = ['v1', 'v2', 'v3'] as const;
/** A reference mesh's wiring as an installation would produce it (addresses are arbitrary). */
const wiring: ReferenceWiring = {
  runId: 'footprint',
  caFile: '/mesh/ca.pem',
  jwtKeyFiles: ['/mesh/jwks-key-0.pem'],
  luaFile: '/mesh/delay.lua',
  sidecars: [
    {
      name: 'client',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/client',
      certFile: '/mesh/client.pem',
      outboundPort: 1001,
    },
    {
      name: 'frontend',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/frontend',
      certFile: '/mesh/frontend.pem',
      outboundPort: 1002,
    },
    ...versions.map((v, i) => ({
      name: `server-${v}`,
      identity: 'spiffe://cluster.local/ns/meshproof/sa/server',
      certFile: `/mesh/server-${v}.pem`,
      inbound: { port: 2001 + i, appPort: 3001 + i },
    })),
  ],
  services: { server: versions.map((v, i) => ({ version: v, sidecar: `server-${v}`, port: 2001 + i })) },
};
const sameFiles = { conformant: new Map([['ca.pem', 'root']]), defective: new Map([['ca.pem', 'root']]) };
const check = (id: string): Check => {
  const found = registry.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};
const running = (footprint: ReturnType<typeof defectFootprint>) =>
  footprint.checks.filter((c) => c.run).map((c) => c.id);

describe('referenceDefectFootprint', () => {
  it('runs only the checks whose configuration the defect changes, saying why', () => {
    const footprint = referenceDefectFootprint({
      defect: 'mtls-permissive',
      checks: registry,
      wiring,
      installed: sameFiles,
    });
    expect(footprint.everyCheck).toBeNull();
    expect(running(footprint)).toEqual([
      'security.mtls.strict-rejects-plaintext',
      'security.mtls.strict-rejects-impostors',
      // The ingress gateway reaches a STRICT server: PERMISSIVE renders its sidecars differently.
      'traffic.ingress.gateway-identity',
      'chaos.proxy.server-proxy-restart-keeps-policy',
    ]);
    expect(footprint.checks.find((c) => c.run)?.because).toMatch(/^renders differently: sidecar\/server-v1/);
    expect(footprint.checks.find((c) => c.id === 'traffic.weights.90-10')).toEqual({
      id: 'traffic.weights.90-10',
      run: false,
      because: 'renders the same configuration as the conformant mesh',
    });
  });

  it('runs every check when the defect changes the baseline configuration', () => {
    const footprint = referenceDefectFootprint({
      defect: 'identity-dropped',
      checks: registry,
      wiring,
      installed: sameFiles,
    });
    expect(footprint.everyCheck).toMatch(/^the baseline configuration differs: sidecar\/server-v1/);
    expect(running(footprint)).toEqual(registry.map((c) => c.id));
  });

  it('runs every check when the installation wrote different files (certificates, CA files)', () => {
    const footprint = referenceDefectFootprint({
      defect: 'weights-skewed',
      checks: registry,
      wiring,
      installed: { conformant: new Map([['ca.pem', 'root']]), defective: new Map([['ca.pem', 'two roots']]) },
    });
    expect(footprint.everyCheck).toBe('the installation wrote different files: ca.pem');
    expect(running(footprint)).toHaveLength(registry.length);
  });
});

describe('defectFootprint', () => {
  const checks = [check('security.mtls.identity-presented'), check('traffic.weights.90-10')];
  it('runs every check under a defect that declares an effect outside the rendering', () => {
    const footprint = defectFootprint({
      checks,
      render: () => [],
      installed: sameFiles,
      unrenderedEffect: 'haproxy is started with a different flag',
    });
    expect(footprint.everyCheck).toBe(
      'declared effect outside the rendering: haproxy is started with a different flag',
    );
    expect(running(footprint)).toEqual(checks.map((c) => c.id));
  });

  it('runs nothing under a defect that renders and installs the same', () => {
    const resource = {
      kind: 'haproxy.cfg',
      name: 'sidecar/client',
      format: 'haproxy',
      content: 'x',
    } as const;
    const footprint = defectFootprint({ checks, render: () => [resource], installed: sameFiles });
    expect(running(footprint)).toEqual([]);
  });
});

describe('differingResources', () => {
  it('names resources whose content differs or that only one rendering has', () => {
    const r = (name: string, content: string): RenderedResource => ({
      kind: 'haproxy.cfg',
      name,
      format: 'haproxy',
      content,
    });
    expect(
      differingResources(
        [r('sidecar/a', '1'), r('sidecar/b', '1')],
        [r('sidecar/a', '1'), r('sidecar/b', '2'), r('sidecar/c', '')],
      ),
    ).toEqual(['sidecar/b', 'sidecar/c']);
  });
});

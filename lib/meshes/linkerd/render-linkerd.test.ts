import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../../suites/registry.ts';
import { parseRendered } from '../../../test/meshes/linkerd/simulate-linkerd.ts';
import { isMeshproofError } from '../../errors/meshproof-error.ts';
import type { Check, RenderedResource } from '../../model/index.ts';
import { linkerdSupport } from './capabilities.ts';
import { linkerdMeshAdapter } from './linkerd-adapter.ts';
import type { LinkerdResource } from './linkerd-resources.ts';
import { faultBackendsNeeded, renderLinkerd } from './render-linkerd.ts';

const goldenDir = new URL('./__golden__/', import.meta.url);

const supportedOnLinkerd = (check: Check) => check.features.every((f) => linkerdSupport[f].supported);
const supported = registry.filter(supportedOnLinkerd);
const unsupported = registry.filter((c) => !supportedOnLinkerd(c));

/** The golden file: what a reviewer reads, and `kubectl apply -f` could apply (in this order). */
function goldenText(check: Check, resources: readonly RenderedResource[]): string {
  const faults = faultBackendsNeeded(check.intents);
  const header = [
    `# Linkerd resources for ${check.id}, in the order to apply them.`,
    `# Regenerate with npx vitest run lib/meshes/linkerd -u`,
    faults.length > 0
      ? `# Fault backends the platform deploys first: ${faults.map((f) => `${f.name} (answers ${f.status})`).join(', ')}`
      : '# Fault backends the platform deploys first: none',
    ...(resources.length === 0
      ? ["# Nothing to render: Linkerd's defaults already do what the intents ask."]
      : []),
  ];
  return `${header.join('\n')}\n${resources.map((r) => `---\n${r.content}`).join('')}`;
}

describe('Linkerd golden files', () => {
  it('covers every check whose features Linkerd supports, and no other', () => {
    const files = readdirSync(goldenDir).filter((f) => f.endsWith('.yaml'));
    const expected = supported.map((c) => `${c.id}.yaml`);
    expect(files.sort()).toEqual(expected.sort());
  });

  it.each(supported.map((c) => [c.id, c] as const))('%s renders as its golden file', async (id, check) => {
    const file = fileURLToPath(new URL(`${id}.yaml`, goldenDir));
    await expect(goldenText(check, renderLinkerd(check.intents))).toMatchFileSnapshot(file);
  });
});

describe('rendered resources of every supported check', () => {
  it.each(supported.map((c) => [c.id, c] as const))(
    '%s: one valid, uniquely named object per resource',
    (_id, check) => {
      const rendered = renderLinkerd(check.intents);
      const names = rendered.map((r) => r.name);
      expect(new Set(names).size).toBe(names.length);
      for (const resource of rendered) {
        const documents = parseAllDocuments(resource.content);
        expect(Array.isArray(documents) ? documents.length : 1).toBe(1);
        const object = parseRendered([resource])[0] as LinkerdResource;
        expect(object.kind).toBe(resource.kind);
        expect(object.metadata.name).toBe(resource.name);
        expect(object.metadata.namespace).toBe('meshproof');
        expect(resource.format).toBe('yaml');
      }
    },
  );

  it.each(supported.map((c) => [c.id, c] as const))(
    '%s: Gateway API HTTPRoutes pass the @kubernetes-models/gateway-api schema',
    (_id, check) => {
      const routes = parseRendered(renderLinkerd(check.intents)).filter(
        (r) => r.apiVersion === 'gateway.networking.k8s.io/v1',
      );
      for (const route of routes) expect(() => new HTTPRoute(route as never).validate()).not.toThrow();
    },
  );

  it.each(supported.map((c) => [c.id, c] as const))(
    '%s: every reference names a rendered resource',
    (_id, check) => {
      const objects = parseRendered(renderLinkerd(check.intents));
      const has = (kind: string, name: string) =>
        objects.some((o) => o.kind === kind && o.metadata.name === name);
      for (const o of objects) {
        if (o.kind === 'AuthorizationPolicy') {
          expect(has(o.spec.targetRef.kind, o.spec.targetRef.name)).toBe(true);
          for (const ref of o.spec.requiredAuthenticationRefs) expect(has(ref.kind, ref.name)).toBe(true);
        }
        if (o.kind === 'HTTPLocalRateLimitPolicy') expect(has('Server', o.spec.targetRef.name)).toBe(true);
        if (o.kind === 'HTTPRoute' && o.apiVersion === 'policy.linkerd.io/v1beta3') {
          for (const p of o.spec.parentRefs) expect(has('Server', p.name)).toBe(true);
        }
      }
    },
  );

  it('orders inbound resources so that the Server comes after what authorizes traffic to it', () => {
    for (const check of supported) {
      const kinds = renderLinkerd(check.intents).map((r) => r.kind);
      const server = kinds.indexOf('Server');
      if (server < 0) continue;
      for (const before of ['MeshTLSAuthentication', 'NetworkAuthentication', 'AuthorizationPolicy']) {
        if (kinds.includes(before)) expect(kinds.lastIndexOf(before)).toBeLessThan(server);
      }
    }
  });
});

/** Features that are proxy behaviour rather than configuration: their checks' intents render. */
const behaviourOnly: ReadonlySet<string> = new Set(['PathNormalization']);
const unrenderable = unsupported.filter((c) =>
  c.features.some((f) => !linkerdSupport[f].supported && !behaviourOnly.has(f)),
);

describe('checks Linkerd cannot express', () => {
  it('are exactly the mirroring, delay-fault, connection-limit, path-normalization, end-user JWT, ingress and egress checks', () => {
    expect(unsupported.map((c) => c.id).sort()).toEqual([
      'resilience.circuit.connection-limit-per-service',
      'resilience.circuit.connection-overflow',
      'resilience.fault.delay-percentage',
      'security.authz.normalized-path',
      'security.egress.allowed-host-reached',
      'security.egress.host-header-not-trusted',
      'security.egress.lookalike-host-refused',
      'security.egress.unlisted-host-refused',
      'security.jwt.access-by-claim',
      'security.jwt.invalid-token-refused',
      'security.jwt.principal-required',
      'security.jwt.valid-token-admitted',
      'traffic.ingress.gateway-identity',
      'traffic.ingress.host-and-path-routing',
      'traffic.ingress.https-redirect',
      'traffic.ingress.tls-host-certificate',
      'traffic.ingress.unknown-host-refused',
      'traffic.mirror.percentage',
    ]);
  });

  it('renders the intents of a check whose missing feature is proxy behaviour (the behaviour is what is missing)', () => {
    for (const check of unsupported.filter((c) => !unrenderable.includes(c))) {
      expect(renderLinkerd(check.intents).length).toBeGreaterThan(0);
    }
  });

  it.each(unrenderable.map((c) => [c.id, c] as const))(
    '%s: rendering refuses with a stable code',
    (_id, check) => {
      let error: unknown;
      try {
        renderLinkerd(check.intents);
      } catch (e) {
        error = e;
      }
      expect(isMeshproofError(error) && error.code).toBe('MESHPROOF_UNSUPPORTED_COMBINATION');
      expect((error as Error).message).toMatch(/^linkerd: /);
    },
  );
});

describe('linkerdMeshAdapter', () => {
  it('is the Linkerd mesh, rendering with renderLinkerd', () => {
    const adapter = linkerdMeshAdapter();
    expect(adapter.name).toBe('linkerd');
    expect(adapter.identityOf('frontend')).toBe(
      'frontend.meshproof.serviceaccount.identity.linkerd.cluster.local',
    );
    expect(adapter.render([])).toEqual([]);
    const strict = registry.find((c) => c.id === 'security.mtls.strict-rejects-plaintext') as Check;
    expect(adapter.render(strict.intents)).toEqual(renderLinkerd(strict.intents));
  });
});

/**
 * Istio's Gateway API modes: sidecars with routes as HTTPRoutes (GAMMA), and ambient (ztunnel,
 * waypoint). Golden files per check and mode (what a supported check renders, or why it is
 * NOT_SUPPORTED there), every object validated with the @kubernetes-models schemas (the real CRDs
 * are applied in lib/plan/plan-crds.test.ts), and what each rendering must mean.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { DestinationRule, ServiceEntry, Sidecar } from '@kubernetes-models/istio/networking.istio.io/v1';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import {
  AuthorizationPolicy,
  PeerAuthentication,
  RequestAuthentication,
} from '@kubernetes-models/istio/security.istio.io/v1';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registry } from '../../../suites/registry.ts';
import type { AccessRule, Check, HttpRouteIntent, Intent, RouteRule } from '../../model/index.ts';
import { localNames, noRetries } from '../../model/index.ts';
import { clusterNames } from '../../platforms/kubernetes/kubernetes-names.ts';
import { istioMeshAdapter } from './istio-adapter.ts';
import { renderWaypointGateway, waypointPrincipal, waypointXfccAnnotation } from './render-istio-ambient.ts';
import { gatewayApiCannotRender, gatewayApiRetry } from './render-istio-gateway-api.ts';

type Mode = 'sidecar-gateway-api' | 'ambient';
const modes: readonly Mode[] = ['sidecar-gateway-api', 'ambient'];
const goldenDirs: Record<Mode, string> = {
  'sidecar-gateway-api': join(import.meta.dirname, '__golden-gateway-api__'),
  ambient: join(import.meta.dirname, '__golden-ambient__'),
};

const models: Record<string, new (data: never) => { validate(): void }> = {
  'security.istio.io/v1/PeerAuthentication': PeerAuthentication,
  'security.istio.io/v1/RequestAuthentication': RequestAuthentication,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'networking.istio.io/v1/DestinationRule': DestinationRule,
  'networking.istio.io/v1/ServiceEntry': ServiceEntry,
  'networking.istio.io/v1/Sidecar': Sidecar,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
  'gateway.networking.k8s.io/v1/Gateway': Gateway,
  'telemetry.istio.io/v1/Telemetry': Telemetry,
};

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, asserted field by field.
type Parsed = any;

function validate(object: Parsed): void {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no model for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

function renderIn(mode: Mode, intents: readonly Intent[]): Parsed[] {
  const objects = istioMeshAdapter(undefined, mode)
    .render(intents)
    .map((r) => parse(r.content));
  for (const object of objects) validate(object);
  return objects;
}

/** Why a check is NOT_SUPPORTED in a mode (features first, then the rendering), or undefined. */
function notSupported(check: Check, mode: Mode): string | undefined {
  const adapter = istioMeshAdapter(undefined, mode);
  const missing = check.features.flatMap((f) => {
    const s = adapter.support[f];
    return s.supported ? [] : [`${f}: ${s.reason}`];
  });
  if (missing.length > 0) return missing.join('; ');
  const unrenderable = adapter.cannotRender(check.intents);
  return unrenderable ? `rendering: ${unrenderable}` : undefined;
}

function goldenText(check: Check, mode: Mode): string {
  const reason = notSupported(check, mode);
  if (reason) return `# NOT_SUPPORTED: ${reason}\n`;
  const resources = istioMeshAdapter(undefined, mode).render(check.intents);
  for (const r of resources) validate(parse(r.content));
  return resources.length === 0
    ? '# no resources: Istio defaults apply\n'
    : resources.map((r) => r.content).join('---\n');
}

describe.each(modes)('Istio %s: golden files, one per check', (mode) => {
  const dir = goldenDirs[mode];
  it.each(registry.map((c) => [c.id, c] as const))('%s', async (id, check) => {
    await expect(goldenText(check, mode)).toMatchFileSnapshot(join(dir, `${id}.yaml`));
  });

  it('keeps no golden file for a check that no longer exists', async () => {
    const ids = new Set(registry.map((c) => `${c.id}.yaml`));
    expect((await readdir(dir)).filter((f) => !ids.has(f))).toEqual([]);
  });
});

const route = (rules: RouteRule[]): HttpRouteIntent => ({ kind: 'HttpRoute', service: 'server', rules });
const v1 = { version: 'v1' as const, weight: 1 };

describe('Gateway API routing (GAMMA): what the HTTPRoute means', () => {
  const httpRouteOf = (objects: Parsed[]) => objects.find((o) => o.kind === 'HTTPRoute');

  it('attaches to the Service and sends to the per-version Services with integer weights', () => {
    const [httpRoute] = renderIn('sidecar-gateway-api', [
      route([
        {
          backends: [
            { version: 'v1', weight: 90 },
            { version: 'v2', weight: 10 },
          ],
          retries: noRetries,
        },
      ]),
    ]);
    expect(httpRoute.spec.parentRefs).toEqual([{ group: '', kind: 'Service', name: 'server', port: 80 }]);
    expect(httpRoute.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'server-v1', port: 80, weight: 90 },
      { group: '', kind: 'Service', name: 'server-v2', port: 80, weight: 10 },
    ]);
    // "No retries" is explicit: without it Istio retries twice by default.
    expect(httpRoute.spec.rules[0].retry).toEqual({ attempts: 0 });
  });

  it('keeps first-match-wins under Gateway API precedence (more header matches first)', () => {
    // The intent puts the catch-all first: it must take every request, also those with x-version: v2.
    const [httpRoute] = renderIn('sidecar-gateway-api', [
      route([
        { backends: [v1] },
        { matchHeaders: { 'X-Version': 'v2' }, backends: [{ version: 'v2', weight: 1 }] },
      ]),
    ]);
    const rules = httpRoute.spec.rules as Parsed[];
    expect(rules.every((r) => r.backendRefs[0].name === 'server-v1')).toBe(true);
    // Header names are matched in lower case, exactly.
    const [headerRoute] = renderIn('sidecar-gateway-api', [
      route([
        { matchHeaders: { 'X-Version': 'v2' }, backends: [{ version: 'v2', weight: 1 }] },
        { backends: [v1] },
      ]),
    ]);
    expect(headerRoute.spec.rules[0].matches[0].headers).toEqual([
      { type: 'Exact', name: 'x-version', value: 'v2' },
    ]);
    expect(headerRoute.spec.rules[0].backendRefs[0].name).toBe('server-v2');
    expect(headerRoute.spec.rules[1].matches[0].headers).toBeUndefined();
  });

  it('maps retry conditions to status codes; connect failures Istio always adds', () => {
    expect(gatewayApiRetry(undefined)).toBeUndefined();
    expect(gatewayApiRetry({ attempts: 2, retryOn: [] })).toEqual({ attempts: 0 });
    expect(gatewayApiRetry({ attempts: 2, retryOn: ['connect-failure'] })).toEqual({ attempts: 2 });
    expect(gatewayApiRetry({ attempts: 3, retryOn: ['gateway-error'] })).toEqual({
      attempts: 3,
      codes: [502, 503, 504],
    });
    const fivexx = gatewayApiRetry({ attempts: 2, retryOn: ['5xx', 'gateway-error'] });
    expect(fivexx?.codes).toHaveLength(100);
    expect(fivexx?.codes?.[0]).toBe(500);
    expect(fivexx?.codes?.at(-1)).toBe(599);
  });

  it('renders the route timeout and mirrors with percent, or a fraction below one percent', () => {
    const [httpRoute] = renderIn('sidecar-gateway-api', [
      route([{ backends: [v1], timeoutMs: 300, mirror: { version: 'v2', percent: 20 } }]),
    ]);
    expect(httpRoute.spec.rules[0].timeouts).toEqual({ request: '300ms' });
    expect(httpRoute.spec.rules[0].filters).toEqual([
      {
        type: 'RequestMirror',
        requestMirror: {
          backendRef: { group: '', kind: 'Service', name: 'server-v2', port: 80 },
          percent: 20,
        },
      },
    ]);
    const [fractional] = renderIn('sidecar-gateway-api', [
      route([{ backends: [v1], mirror: { version: 'v2', percent: 0.5 } }]),
    ]);
    expect(fractional.spec.rules[0].filters[0].requestMirror.fraction).toEqual({
      numerator: 50,
      denominator: 10_000,
    });
  });

  it('refuses what Istio cannot read with the intent’s meaning, naming why', () => {
    const cases: [RouteRule, RegExp][] = [
      [{ backends: [v1], fault: { abort: { status: 503, percent: 10 } } }, /no fault injection/],
      [{ backends: [{ version: 'v1', weight: 0 }] }, /answers 500/],
      [{ backends: [v1], retries: { attempts: 2, retryOn: ['reset'] } }, /upstream reset/],
      [
        { backends: [v1], retries: { attempts: 2, perTryTimeoutMs: 200, retryOn: ['5xx'] } },
        /per-try timeout/,
      ],
    ];
    for (const [rule, reason] of cases) {
      expect(gatewayApiCannotRender([route([rule])])).toMatch(reason);
      expect(() => istioMeshAdapter(undefined, 'sidecar-gateway-api').render([route([rule])])).toThrow(
        reason,
      );
    }
    // A per-try timeout without retries, or a 0% fault, changes nothing: renderable.
    expect(
      gatewayApiCannotRender([route([{ backends: [v1], fault: { abort: { status: 503, percent: 0 } } }])]),
    ).toBeUndefined();
    expect(
      gatewayApiCannotRender([
        route([{ backends: [v1], retries: { attempts: 0, perTryTimeoutMs: 5, retryOn: [] } }]),
      ]),
    ).toBeUndefined();
  });

  it('limits connections on every Service the route sends to, not only on server', () => {
    const objects = renderIn('sidecar-gateway-api', [
      route([
        {
          backends: [
            { version: 'v1', weight: 1 },
            { version: 'v3', weight: 1 },
          ],
        },
      ]),
      { kind: 'ConnectionLimit', service: 'server', maxConnections: 1, maxPending: 1 },
    ]);
    const hosts = objects.filter((o) => o.kind === 'DestinationRule').map((o) => o.spec.host);
    expect(hosts).toEqual([
      'server.meshproof.svc.cluster.local',
      'server-v1.meshproof.svc.cluster.local',
      'server-v3.meshproof.svc.cluster.local',
    ]);
    expect(
      objects.filter((o) => o.kind === 'DestinationRule').every((o) => o.spec.subsets === undefined),
    ).toBe(true);
    // Applied before the route that sends to them.
    expect(objects.map((o) => o.kind)).toEqual([
      'DestinationRule',
      'DestinationRule',
      'DestinationRule',
      'HTTPRoute',
    ]);
    expect(httpRouteOf(objects)).toBeDefined();
  });
});

describe('Istio ambient: who enforces what', () => {
  const access = (rules: AccessRule[]): Intent => ({ kind: 'AccessPolicy', service: 'server', rules });
  const policies = (rules: AccessRule[]) => {
    const objects = renderIn('ambient', [access(rules)]);
    const ztunnel = objects.find((o) => o.spec.selector);
    const waypoint = objects.find((o) => o.spec.targetRefs);
    return { objects, ztunnel, waypoint };
  };
  const waypointRule = { from: [{ source: { principals: [waypointPrincipal()] } }] };

  it('puts every rule on the waypoint (targetRefs the Service) and guards the pods with ztunnel', () => {
    const { objects, ztunnel, waypoint } = policies([
      { from: ['client'], methods: ['GET'], pathPrefixes: ['/api/'] },
    ]);
    expect(objects.map((o) => o.metadata.name)).toEqual(['server-access-ztunnel', 'server-access']);
    expect(waypoint.spec.targetRefs).toEqual([{ group: '', kind: 'Service', name: 'server' }]);
    expect(waypoint.spec.selector).toBeUndefined();
    expect(waypoint.spec.rules[0].to[0].operation).toEqual({ methods: ['GET'], paths: ['/api', '/api/*'] });
    // ztunnel reads no HTTP: only the waypoint gets in, so nothing bypasses the waypoint's rules.
    expect(ztunnel.spec.selector).toEqual({ matchLabels: { app: 'server' } });
    expect(ztunnel.spec.rules).toEqual([waypointRule]);
  });

  it('lets identity-only rules through ztunnel too (a caller addressing a pod), and an open rule for all', () => {
    expect(policies([{ from: ['client'] }]).ztunnel.spec.rules).toEqual([
      waypointRule,
      { from: [{ source: { principals: ['cluster.local/ns/meshproof/sa/client'] } }] },
    ]);
    expect(policies([{}, { pathPrefixes: ['/public/'] }]).ztunnel.spec.rules).toEqual([waypointRule, {}]);
    // A rule that can match nothing opens nothing at L4 either.
    expect(policies([{ from: [] }]).ztunnel.spec.rules).toEqual([waypointRule]);
  });

  it('enforces mTLS with the workload-selector PeerAuthentication ztunnel reads', () => {
    const [peer] = renderIn('ambient', [{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }]);
    expect(peer.spec).toEqual({ selector: { matchLabels: { app: 'server' } }, mtls: { mode: 'STRICT' } });
  });

  it('cannot render a local rate limit (no Envoy on the pods; see RateLimit support)', () => {
    expect(() =>
      renderIn('ambient', [{ kind: 'RateLimit', service: 'server', requestsPerSecond: 5 }]),
    ).toThrow(/rate limit/);
  });

  it('refuses callers outside the mesh at L4 (a closed connection), meshed callers with 403', () => {
    const adapter = istioMeshAdapter(undefined, 'ambient');
    expect(adapter.name).toBe('istio-ambient');
    expect(adapter.denialOf('outsider')).toBe('connection-closed');
    expect(adapter.denialOf('frontend')).toBe('forbidden');
    const sidecar = istioMeshAdapter(undefined, 'sidecar-gateway-api');
    expect(sidecar.name).toBe('istio');
    expect(sidecar.denialOf('outsider')).toBe('forbidden');
  });

  it('deploys the waypoint istioctl would, with identity forwarding, under the revision', () => {
    const gateway = renderWaypointGateway(clusterNames('r1'), 'meshproof-r1', { 'meshproof.dev/run': 'r1' });
    validate(gateway);
    expect(gateway.metadata).toEqual({
      name: 'waypoint',
      namespace: 'meshproof-r1',
      labels: { 'meshproof.dev/run': 'r1', 'istio.io/rev': 'meshproof-r1' },
    });
    expect(gateway.spec).toEqual({
      gatewayClassName: 'istio-waypoint',
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE' }],
      infrastructure: { annotations: { [waypointXfccAnnotation]: 'true' } },
    });
    expect(waypointPrincipal({ names: localNames, trustDomain: 'example.org' })).toBe(
      'example.org/ns/meshproof/sa/waypoint',
    );
  });
});

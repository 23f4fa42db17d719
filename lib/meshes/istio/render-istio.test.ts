import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DestinationRule,
  Gateway,
  ServiceEntry,
  Sidecar,
  VirtualService,
} from '@kubernetes-models/istio/networking.istio.io/v1';
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
import type { HttpRouteIntent, Intent, RenderedResource, RouteRule } from '../../model/index.ts';
import { envoyTokenBucket, istioDuration, renderIstio } from './render-istio.ts';

const goldenDir = join(import.meta.dirname, '__golden__');

/** A parsed Kubernetes object (YAML gives untyped data; assertions say what they expect). */
type KubeObject = ReturnType<typeof parse>;

/** The Istio models of @kubernetes-models/istio (JSON schemas of Istio's CRDs), by apiVersion/kind. */
const istioModels: Record<string, new (data: never) => { validate(): void }> = {
  'security.istio.io/v1/PeerAuthentication': PeerAuthentication,
  'security.istio.io/v1/RequestAuthentication': RequestAuthentication,
  'security.istio.io/v1/AuthorizationPolicy': AuthorizationPolicy,
  'networking.istio.io/v1/VirtualService': VirtualService,
  'networking.istio.io/v1/DestinationRule': DestinationRule,
  'networking.istio.io/v1/Gateway': Gateway,
  'networking.istio.io/v1/ServiceEntry': ServiceEntry,
  'networking.istio.io/v1/Sidecar': Sidecar,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
  'telemetry.istio.io/v1/Telemetry': Telemetry,
};

/** The text of a golden file: the rendered documents as one multi-document YAML stream. */
function goldenText(resources: readonly RenderedResource[]): string {
  if (resources.length === 0) return '# no resources: Istio defaults apply\n';
  return resources.map((r) => r.content).join('---\n');
}

function objectsOf(resources: readonly RenderedResource[]): KubeObject[] {
  return resources.map((r) => parse(r.content));
}

/** Renders, checks schema and admission rules, and returns the parsed objects. */
function render(intents: readonly Intent[]): KubeObject[] {
  const resources = renderIstio(intents);
  for (const resource of resources) validateAgainstIstioSchema(resource);
  const objects = objectsOf(resources);
  expect(admissionProblems(objects)).toEqual([]);
  return objects;
}

function validateAgainstIstioSchema(resource: RenderedResource): void {
  const object = parse(resource.content);
  expect(object.kind).toBe(resource.kind);
  expect(object.metadata.name).toBe(resource.name);
  const Model = istioModels[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no Istio model for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

const supportedRetryOn = new Set(['5xx', 'gateway-error', 'reset', 'connect-failure']);
/** RFC 9110 token characters, in lower case (Istio matches header names in lower case). */
const headerName = /^[a-z0-9!#$%&'*+\-.^_`|~]+$/;

/**
 * What Istio's validating webhook and istiod would reject or silently misread, beyond what the
 * CRD schemas check (istio/istio `pkg/config/validation/`): durations finer than 1 ms, retry
 * settings next to `attempts: 0`, faults without a percentage, weights summing to 0, empty
 * authorization lists, routes to subsets no DestinationRule declares.
 */
function admissionProblems(objects: readonly KubeObject[]): string[] {
  const problems: string[] = [];
  const duration = (value: unknown, where: string) => {
    if (value === undefined) return;
    const match = /^(\d+)(ms|s)$/.exec(String(value));
    if (!match || Number(match[1]) < 1) problems.push(`${where}: ${value} is not a whole-ms duration ≥ 1ms`);
  };
  const percentage = (value: unknown, where: string) => {
    if (typeof value !== 'number' || value < 0 || value > 100) problems.push(`${where}: percentage ${value}`);
  };
  const subsets = new Set(
    objects
      .filter((o) => o.kind === 'DestinationRule')
      .flatMap((o) => (o.spec.subsets ?? []).map((s: KubeObject) => `${o.spec.host}/${s.name}`)),
  );
  const declared = (destination: KubeObject, where: string) => {
    if (destination.subset && !subsets.has(`${destination.host}/${destination.subset}`)) {
      problems.push(`${where}: subset ${destination.subset} of ${destination.host} is not declared`);
    }
  };
  const gateways = new Set(objects.filter((o) => o.kind === 'Gateway').map((o) => o.metadata.name));
  for (const o of objects) {
    if (o.metadata.namespace !== 'meshproof') problems.push(`${o.kind}: namespace ${o.metadata.namespace}`);
    // Istio's gateway validation: every server names hosts; an HTTPS server in SIMPLE mode needs a credential.
    if (o.kind === 'Gateway') {
      for (const server of (o.spec.servers ?? []) as KubeObject[]) {
        if (!(server.hosts?.length > 0)) problems.push(`Gateway ${server.port?.name}: no hosts`);
        if (server.port?.protocol === 'HTTPS' && !server.tls?.credentialName)
          problems.push(`Gateway ${server.port?.name}: HTTPS without credentialName`);
      }
    }
    if (o.kind === 'VirtualService') {
      for (const gateway of (o.spec.gateways ?? []) as string[]) {
        if (!gateways.has(gateway)) problems.push(`VirtualService: gateway ${gateway} is not rendered`);
      }
    }
    if (o.kind === 'VirtualService') {
      (o.spec.http as KubeObject[]).forEach((http, i) => {
        const at = `VirtualService http[${i}]`;
        for (const name of Object.keys(http.match?.[0]?.headers ?? {})) {
          if (!headerName.test(name)) problems.push(`${at}: header name ${name}`);
        }
        const route: KubeObject[] = http.route ?? [];
        if (route.length === 0 && !http.directResponse)
          problems.push(`${at}: neither route nor directResponse`);
        if (http.directResponse && (route.length > 0 || http.fault)) {
          problems.push(`${at}: directResponse next to a route or a fault`);
        }
        if (route.length > 1) {
          const weights = route.map((d) => d.weight);
          if (!weights.every((w) => Number.isInteger(w) && w >= 0))
            problems.push(`${at}: weights ${weights}`);
          if (weights.reduce((a, b) => a + b, 0) <= 0) problems.push(`${at}: total weight 0`);
        }
        route.forEach((d, j) => {
          declared(d.destination, `${at}.route[${j}]`);
        });
        if (http.mirror) declared(http.mirror, `${at}.mirror`);
        if (http.mirrorPercentage) percentage(http.mirrorPercentage.value, `${at}.mirrorPercentage`);
        if (http.retries) {
          const { attempts, retryOn, perTryTimeout } = http.retries;
          if (attempts === 0 && Object.keys(http.retries).length > 1) {
            problems.push(`${at}: retry settings next to attempts 0`);
          }
          for (const policy of retryOn ? String(retryOn).split(',') : []) {
            if (!supportedRetryOn.has(policy)) problems.push(`${at}: retryOn ${policy}`);
          }
          duration(perTryTimeout, `${at}.retries.perTryTimeout`);
        }
        duration(http.timeout, `${at}.timeout`);
        if (http.fault?.delay) {
          duration(http.fault.delay.fixedDelay, `${at}.fault.delay`);
          percentage(http.fault.delay.percentage?.value, `${at}.fault.delay`);
        }
        if (http.fault?.abort) {
          percentage(http.fault.abort.percentage?.value, `${at}.fault.abort`);
          const status = http.fault.abort.httpStatus;
          if (!(status >= 200 && status <= 599)) problems.push(`${at}: abort status ${status}`);
        }
      });
    }
    if (o.kind === 'DestinationRule') {
      const outlier = o.spec.trafficPolicy?.outlierDetection;
      duration(outlier?.interval, 'DestinationRule outlier interval');
      duration(outlier?.baseEjectionTime, 'DestinationRule outlier baseEjectionTime');
    }
    if (o.kind === 'AuthorizationPolicy') {
      for (const rule of (o.spec.rules ?? []) as KubeObject[]) {
        for (const from of rule.from ?? []) {
          const source = from.source ?? {};
          if (!(source.principals?.length > 0 || source.requestPrincipals?.length > 0))
            problems.push('AuthorizationPolicy: empty source');
        }
        for (const when of rule.when ?? []) {
          // Istio's webhook refuses a condition without values and accepts request.auth.claims[...] keys.
          if (!(when.values?.length > 0)) problems.push('AuthorizationPolicy: condition without values');
          if (!/^request\.auth\.claims\[[^\]]+\]$/.test(when.key))
            problems.push(`AuthorizationPolicy: key ${when.key}`);
        }
        for (const to of rule.to ?? []) {
          const op = to.operation ?? {};
          if (Object.values(op).some((list) => !Array.isArray(list) || list.length === 0)) {
            problems.push('AuthorizationPolicy: empty operation list');
          }
          for (const path of op.paths ?? []) {
            if (String(path).slice(0, -1).includes('*')) problems.push(`AuthorizationPolicy: path ${path}`);
          }
        }
      }
    }
    if (o.kind === 'EnvoyFilter') {
      const bucket = o.spec.configPatches[0].patch.value.typed_config.token_bucket;
      const positiveInt = (n: unknown) => Number.isInteger(n) && (n as number) > 0;
      if (!positiveInt(bucket.max_tokens) || !positiveInt(bucket.tokens_per_fill)) {
        problems.push(`EnvoyFilter: token bucket ${JSON.stringify(bucket)}`);
      }
      // Protobuf JSON durations are decimal seconds; Envoy refills at most every 50 ms.
      const fill = /^(\d+(?:\.\d+)?)s$/.exec(bucket.fill_interval);
      if (!fill || Number(fill[1]) < 0.05)
        problems.push(`EnvoyFilter: fill_interval ${bucket.fill_interval}`);
    }
  }
  return problems;
}

describe('renderIstio: golden files, one per check', () => {
  it.each(registry.map((check) => [check.id, check] as const))('%s', async (id, check) => {
    // `npx vitest run lib/meshes -u` rewrites it; CI fails on a missing one instead of writing it.
    await expect(goldenText(renderIstio(check.intents))).toMatchFileSnapshot(join(goldenDir, `${id}.yaml`));
  });

  it('keeps no golden file for a check that no longer exists', async () => {
    const ids = new Set(registry.map((c) => `${c.id}.yaml`));
    const stale = (await readdir(goldenDir)).filter((file) => !ids.has(file));
    expect(stale).toEqual([]);
  });
});

describe('renderIstio: every check renders resources Istio accepts', () => {
  it.each(registry.map((check) => [check.id, check] as const))('%s', (_id, check) => {
    render(check.intents);
  });

  it('would notice a resource the CRD schema rejects (negative control)', () => {
    const [resource] = renderIstio([{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }]);
    if (!resource) throw new Error('nothing rendered');
    const broken = { ...resource, content: resource.content.replace('STRICT', 'STRICTEST') };
    expect(() => validateAgainstIstioSchema(broken)).toThrow(/mode/);
  });

  it('would notice what the admission webhook rejects (negative control)', () => {
    const objects = objectsOf(
      renderIstio([
        route({ backends: [{ version: 'v1', weight: 1 }], retries: { attempts: 0, retryOn: [] } }),
      ]),
    );
    const [http] = one(objects, 'VirtualService').spec.http;
    http.retries.retryOn = '5xx';
    http.timeout = '0.5s';
    http.route[0].destination.subset = 'v9';
    expect(admissionProblems(objects)).toEqual([
      'VirtualService http[0].route[0]: subset v9 of server.meshproof.svc.cluster.local is not declared',
      'VirtualService http[0]: retry settings next to attempts 0',
      'VirtualService http[0].timeout: 0.5s is not a whole-ms duration ≥ 1ms',
    ]);
  });
});

/** A route for `server` with the given rules. */
function route(...rules: RouteRule[]): HttpRouteIntent {
  return { kind: 'HttpRoute', service: 'server', rules };
}

function one(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('renderIstio: edge cases', () => {
  it('renders nothing for no intents: Istio defaults are the baseline', () => {
    expect(renderIstio([])).toEqual([]);
  });

  it('renders attempts 0 alone: Istio rejects retry settings next to it, and retries when unset', () => {
    const [http] = one(
      render([
        route({
          backends: [{ version: 'v1', weight: 1 }],
          retries: { attempts: 0, retryOn: ['5xx'], perTryTimeoutMs: 100 },
        }),
      ]),
      'VirtualService',
    ).spec.http;
    expect(http.retries).toEqual({ attempts: 0 });
  });

  it('disables retries when attempts are given but no condition (Istio would fill in its own)', () => {
    const [http] = one(
      render([route({ backends: [{ version: 'v1', weight: 1 }], retries: { attempts: 3, retryOn: [] } })]),
      'VirtualService',
    ).spec.http;
    expect(http.retries).toEqual({ attempts: 0 });
  });

  it('leaves retries unset, i.e. the mesh default, when a rule declares none', () => {
    const [http] = one(render([route({ backends: [{ version: 'v1', weight: 1 }] })]), 'VirtualService').spec
      .http;
    expect(http).not.toHaveProperty('retries');
  });

  it('maps every retry condition to its Istio name, once, with the per-try timeout', () => {
    const [http] = one(
      render([
        route({
          backends: [{ version: 'v1', weight: 1 }],
          retries: {
            attempts: 4,
            perTryTimeoutMs: 1_500,
            retryOn: ['5xx', 'gateway-error', 'connect-failure', 'reset', '5xx'],
          },
        }),
      ]),
      'VirtualService',
    ).spec.http;
    expect(http.retries).toEqual({
      attempts: 4,
      retryOn: '5xx,gateway-error,connect-failure,reset',
      perTryTimeout: '1500ms',
    });
  });

  it('renders a fault with both delay and abort, each with its percentage (without one Istio injects nothing)', () => {
    const [http] = one(
      render([
        route({
          backends: [{ version: 'v1', weight: 1 }],
          fault: { abort: { status: 503, percent: 100 }, delay: { ms: 2_000, percent: 12.5 } },
        }),
      ]),
      'VirtualService',
    ).spec.http;
    expect(http.fault).toEqual({
      delay: { fixedDelay: '2s', percentage: { value: 12.5 } },
      abort: { httpStatus: 503, percentage: { value: 100 } },
    });
  });

  it('splits three ways by subset weights, with every subset declared', () => {
    const objects = render([
      route({
        backends: [
          { version: 'v1', weight: 60 },
          { version: 'v2', weight: 30 },
          { version: 'v3', weight: 10 },
        ],
      }),
    ]);
    const [http] = one(objects, 'VirtualService').spec.http;
    expect(http.route.map((d: KubeObject) => [d.destination.subset, d.weight])).toEqual([
      ['v1', 60],
      ['v2', 30],
      ['v3', 10],
    ]);
    expect(one(objects, 'DestinationRule').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } },
      { name: 'v2', labels: { version: 'v2' } },
      { name: 'v3', labels: { version: 'v3' } },
    ]);
  });

  it('scales fractional weights to integers with the same shares', () => {
    const [http] = one(
      render([
        route({
          backends: [
            { version: 'v1', weight: 1.5 },
            { version: 'v2', weight: 0.5 },
          ],
        }),
      ]),
      'VirtualService',
    ).spec.http;
    expect(http.route.map((d: KubeObject) => d.weight)).toEqual([7_500, 2_500]);
  });

  it('drops zero-weight backends, and answers 503 when no backend is left', () => {
    const [some, none] = one(
      render([
        route(
          {
            matchHeaders: { 'x-a': '1' },
            backends: [
              { version: 'v1', weight: 0 },
              { version: 'v2', weight: 5 },
            ],
          },
          { backends: [{ version: 'v1', weight: 0 }], fault: { abort: { status: 500, percent: 50 } } },
        ),
      ]),
      'VirtualService',
    ).spec.http;
    expect(some.route).toEqual([
      { destination: { host: 'server.meshproof.svc.cluster.local', subset: 'v2' } },
    ]);
    expect(none).not.toHaveProperty('route');
    expect(none).toEqual({ name: 'rule-2', directResponse: { status: 503 } });
  });

  it('keeps rule order and matches header names in lower case', () => {
    const http = one(
      render([
        route(
          {
            matchHeaders: { 'X-Version': 'v2', 'x-canary': 'yes' },
            backends: [{ version: 'v2', weight: 1 }],
          },
          { backends: [{ version: 'v1', weight: 1 }], timeoutMs: 300 },
        ),
      ]),
      'VirtualService',
    ).spec.http;
    expect(http.map((h: KubeObject) => h.name)).toEqual(['rule-1', 'rule-2']);
    expect(http[0].match).toEqual([
      { headers: { 'x-version': { exact: 'v2' }, 'x-canary': { exact: 'yes' } } },
    ]);
    expect(http[1]).not.toHaveProperty('match');
    expect(http[1].timeout).toBe('300ms');
  });

  it('mirrors to a subset at the declared percentage', () => {
    const [http] = one(
      render([route({ backends: [{ version: 'v1', weight: 1 }], mirror: { version: 'v3', percent: 0.5 } })]),
      'VirtualService',
    ).spec.http;
    expect(http.mirror).toEqual({ host: 'server.meshproof.svc.cluster.local', subset: 'v3' });
    expect(http.mirrorPercentage).toEqual({ value: 0.5 });
  });

  it('renders an AccessPolicy with no rules as an ALLOW policy without rules: allow nothing', () => {
    const policy = one(
      render([{ kind: 'AccessPolicy', service: 'server', rules: [] }]),
      'AuthorizationPolicy',
    );
    expect(policy.spec).toEqual({ selector: { matchLabels: { app: 'server' } }, action: 'ALLOW' });
  });

  it('leaves out rules that can match nothing, and keeps an empty rule as "allow everything"', () => {
    const nothing = one(
      render([
        {
          kind: 'AccessPolicy',
          service: 'server',
          rules: [{ from: [] }, { methods: [], pathPrefixes: ['/'] }],
        },
      ]),
      'AuthorizationPolicy',
    );
    expect(nothing.spec).not.toHaveProperty('rules');
    const everything = one(
      render([{ kind: 'AccessPolicy', service: 'server', rules: [{ from: [] }, {}] }]),
      'AuthorizationPolicy',
    );
    expect(everything.spec.rules).toEqual([{}]);
  });

  it('merges every AccessPolicy of a service into one ALLOW policy (the union of their rules)', () => {
    const objects = render([
      { kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client', 'frontend'] }] },
      { kind: 'AccessPolicy', service: 'server', rules: [{ from: ['outsider'], methods: ['GET', 'HEAD'] }] },
    ]);
    expect(one(objects, 'AuthorizationPolicy').spec.rules).toEqual([
      {
        from: [
          {
            source: {
              principals: ['cluster.local/ns/meshproof/sa/client', 'cluster.local/ns/meshproof/sa/frontend'],
            },
          },
        ],
      },
      {
        from: [{ source: { principals: ['cluster.local/ns/meshproof-outside/sa/outsider'] } }],
        to: [{ operation: { methods: ['GET', 'HEAD'] } }],
      },
    ]);
  });

  it('matches path prefixes segment by segment: the prefix exactly, or below it (never /apiary)', () => {
    const policy = one(
      render([
        {
          kind: 'AccessPolicy',
          service: 'server',
          rules: [{ pathPrefixes: ['/api/', '/healthz', '/api'] }, { pathPrefixes: ['/'] }],
        },
      ]),
      'AuthorizationPolicy',
    );
    expect(policy.spec.rules).toEqual([
      { to: [{ operation: { paths: ['/api', '/api/*', '/healthz', '/healthz/*'] } }] },
      { to: [{ operation: { paths: ['/*'] } }] },
    ]);
  });

  it('renders PeerAuthentication modes on the service workloads; the first intent of a kind applies', () => {
    const objects = render([
      { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
      { kind: 'PeerAuthentication', service: 'server', mode: 'PERMISSIVE' },
    ]);
    expect(one(objects, 'PeerAuthentication').spec).toEqual({
      selector: { matchLabels: { app: 'server' } },
      mtls: { mode: 'STRICT' },
    });
  });

  it('merges subsets, connection pool and outlier detection into one DestinationRule applied before the route', () => {
    const objects = render([
      route({ backends: [{ version: 'v2', weight: 1 }] }),
      { kind: 'ConnectionLimit', service: 'server', maxConnections: 2, maxPending: 3 },
      {
        kind: 'OutlierDetection',
        service: 'server',
        consecutive5xx: 5,
        intervalMs: 250,
        baseEjectionMs: 60_000,
        maxEjectionPercent: 50,
      },
    ]);
    expect(objects.map((o) => o.kind)).toEqual(['DestinationRule', 'VirtualService']);
    const rule = one(objects, 'DestinationRule');
    expect(rule.spec.host).toBe('server.meshproof.svc.cluster.local');
    expect(rule.spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 2 }, http: { http1MaxPendingRequests: 3 } },
      outlierDetection: {
        consecutive5xxErrors: 5,
        interval: '250ms',
        baseEjectionTime: '60s',
        maxEjectionPercent: 50,
      },
    });
    expect(rule.spec.subsets).toHaveLength(3);
  });

  it('declares no subsets when no route uses them', () => {
    const rule = one(
      render([{ kind: 'ConnectionLimit', service: 'server', maxConnections: 1, maxPending: 1 }]),
      'DestinationRule',
    );
    expect(rule.spec).not.toHaveProperty('subsets');
  });

  it('renders resources in apply order with distinct, stable names', () => {
    const resources = renderIstio([
      { kind: 'RateLimit', service: 'server', requestsPerSecond: 5 },
      route({ backends: [{ version: 'v1', weight: 1 }] }),
      { kind: 'AccessPolicy', service: 'server', rules: [{}] },
      { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
    ]);
    expect(resources.map((r) => `${r.kind}/${r.name}`)).toEqual([
      'PeerAuthentication/server-mtls',
      'AuthorizationPolicy/server-access',
      'DestinationRule/server-destination',
      'VirtualService/server-routes',
      'EnvoyFilter/server-local-ratelimit',
    ]);
    for (const resource of resources) validateAgainstIstioSchema(resource);
  });

  it('limits the rate with Envoy local_ratelimit on the inbound side of the server workloads, enabled and enforced', () => {
    const filter = one(
      render([{ kind: 'RateLimit', service: 'server', requestsPerSecond: 7 }]),
      'EnvoyFilter',
    );
    expect(filter.spec.workloadSelector).toEqual({ labels: { app: 'server' } });
    const [patch] = filter.spec.configPatches;
    expect(patch.applyTo).toBe('HTTP_FILTER');
    expect(patch.match.context).toBe('SIDECAR_INBOUND');
    expect(patch.patch.value.name).toBe('envoy.filters.http.local_ratelimit');
    const config = patch.patch.value.typed_config;
    expect(config['@type']).toBe(
      'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    );
    expect(config.token_bucket).toEqual({ max_tokens: 7, tokens_per_fill: 7, fill_interval: '1s' });
    const full = { numerator: 100, denominator: 'HUNDRED' };
    expect(config.filter_enabled.default_value).toEqual(full);
    expect(config.filter_enforced.default_value).toEqual(full);
    expect(config.status).toEqual({ code: 'TooManyRequests' });
  });

  it('does not change the intents and renders the same text every time', () => {
    const intents: readonly Intent[] = structuredClone(registry.flatMap((c) => c.intents));
    const before = JSON.stringify(intents);
    expect(renderIstio(intents)).toEqual(renderIstio(intents));
    expect(JSON.stringify(intents)).toBe(before);
  });
});

describe('envoyTokenBucket', () => {
  it.each([
    [10, { max_tokens: 10, tokens_per_fill: 10, fill_interval: '1s' }],
    [2.5, { max_tokens: 2, tokens_per_fill: 1, fill_interval: '0.4s' }],
    [0.5, { max_tokens: 1, tokens_per_fill: 1, fill_interval: '2s' }],
    [30.5, { max_tokens: 30, tokens_per_fill: 2, fill_interval: '0.066s' }],
  ])('admits %d requests per second', (rate, bucket) => {
    expect(envoyTokenBucket(rate)).toEqual(bucket);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d requests per second', (rate) => {
    expect(() => envoyTokenBucket(rate)).toThrow(RangeError);
  });
});

describe('istioDuration', () => {
  it.each([
    [300, '300ms'],
    [1_500, '1500ms'],
    [30_000, '30s'],
    [1, '1ms'],
    [2.4, '2ms'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(istioDuration(ms, 'timeout')).toBe(text);
  });

  it('refuses what Istio cannot express (below 1 ms)', () => {
    expect(() => istioDuration(0.4, 'timeout')).toThrow(/at least 1 ms/);
  });
});

describe('renderIstio: intents Istio cannot express are refused, not rendered as their opposite', () => {
  it.each([
    [
      'a connection limit of 0 (Istio reads 0 as unlimited)',
      { kind: 'ConnectionLimit', service: 'server', maxConnections: 0, maxPending: 1 },
    ],
    [
      'no pending requests (Istio reads 0 as unlimited)',
      { kind: 'ConnectionLimit', service: 'server', maxConnections: 1, maxPending: 0 },
    ],
    ['a rate limit of 0 per second', { kind: 'RateLimit', service: 'server', requestsPerSecond: 0 }],
    ['a route timeout of 0 ms', route({ backends: [{ version: 'v1', weight: 1 }], timeoutMs: 0 })],
  ] as const)('%s', (_what, intent) => {
    expect(() => renderIstio([intent as Intent])).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  parseRendered,
  type SimulatedRequest,
  simulateInbound,
  simulateOutbound,
} from '../../../test/meshes/linkerd/simulate-linkerd.ts';
import { isMeshproofError } from '../../errors/meshproof-error.ts';
import { isUnderPrefix } from '../../judges/paths.ts';
import type {
  AccessPolicyIntent,
  AccessRule,
  CallerName,
  HttpRouteIntent,
  Intent,
  PeerAuthenticationIntent,
  RetryPolicy,
  RouteRule,
  Version,
} from '../../model/index.ts';
import { noRetries } from '../../model/index.ts';
import type { LinkerdGatewayHttpRoute, LinkerdResource } from './linkerd-resources.ts';
import { integerWeights, linkerdDuration } from './linkerd-values.ts';
import { faultBackendsNeeded, renderLinkerd, renderLinkerdResources } from './render-linkerd.ts';
import { accessCells } from './render-linkerd-inbound.ts';
import { expandFirstMatch, renderFailureAccrual, retryAnnotations } from './render-linkerd-outbound.ts';

/** Deterministic pseudo-random numbers (mulberry32), so that a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isMeshproofError(error) ? error.code : String(error);
  }
};

// -------------------------------------------------------------------------- value formats

describe('linkerdDuration', () => {
  it.each([
    [1, '1ms'],
    [200, '200ms'],
    [1_500, '1500ms'],
    [30_000, '30s'],
    [99_999, '99999ms'],
    [100_000, '100s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
    [5_400_000, '90m'],
  ])('%d ms → %s (one unit, at most five digits)', (ms, text) => {
    expect(linkerdDuration(ms, 'timeout')).toBe(text);
  });

  it.each([[0], [-5], [1.5], [100_001]])('%d ms cannot be written', (ms) => {
    expect(codeOf(() => linkerdDuration(ms, 'timeout'))).toBe('MESHPROOF_UNSUPPORTED_COMBINATION');
  });
});

describe('integerWeights', () => {
  it.each([
    [
      [90, 10],
      [90, 10],
    ],
    [[1], [1]],
    [
      [60, 30, 10],
      [60, 30, 10],
    ],
    [
      [0, 5],
      [0, 5],
    ],
    [
      [1 / 3, 2 / 3],
      [3333, 6667],
    ],
    [
      [2_000_000, 2_000_000],
      [5000, 5000],
    ],
  ])('%j → %j', (shares, weights) => {
    expect(integerWeights(shares)).toEqual(weights);
  });
});

// ------------------------------------------------------------------------------- retries

describe('retryAnnotations', () => {
  it.each<[string, RetryPolicy | undefined, Record<string, string>]>([
    ['no policy: Linkerd default, no retries', undefined, {}],
    ['attempts 0 disables (a limit of 0 would mean 1)', { attempts: 0, retryOn: ['5xx'] }, {}],
    ['no condition: nothing to retry', { attempts: 3, retryOn: [] }, {}],
    [
      '5xx',
      { attempts: 2, retryOn: ['5xx'] },
      { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2' },
    ],
    [
      'gateway-error',
      { attempts: 1, retryOn: ['gateway-error'] },
      { 'retry.linkerd.io/http': 'gateway-error', 'retry.linkerd.io/limit': '1' },
    ],
    [
      '5xx subsumes gateway-error',
      { attempts: 1, retryOn: ['gateway-error', '5xx'] },
      { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '1' },
    ],
    [
      'connect-failure: a retry policy without status codes (fail-fast and refused streams)',
      { attempts: 2, retryOn: ['connect-failure'] },
      { 'retry.linkerd.io/limit': '2' },
    ],
    [
      'per-try timeout',
      { attempts: 2, perTryTimeoutMs: 200, retryOn: ['5xx', 'reset'] },
      { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2', 'retry.linkerd.io/timeout': '200ms' },
    ],
  ])('%s', (_what, policy, annotations) => {
    expect(retryAnnotations(policy)).toEqual(annotations);
  });
});

// ----------------------------------------------------------------------- outbound routes

const route = (...rules: RouteRule[]): HttpRouteIntent => ({ kind: 'HttpRoute', service: 'server', rules });
const to = (version: Version, extra: Partial<RouteRule> = {}): RouteRule => ({
  backends: [{ version, weight: 1 }],
  ...extra,
});
const gatewayRoutes = (intents: readonly Intent[]) =>
  renderLinkerdResources(intents).filter(
    (r): r is LinkerdGatewayHttpRoute => r.apiVersion === 'gateway.networking.k8s.io/v1',
  );

describe('expandFirstMatch: first-match-wins as Gateway API precedence', () => {
  const summary = (rules: RouteRule[]) =>
    expandFirstMatch(rules).map((r) => [
      [...r.headers]
        .map(([n, v]) => `${n}=${v}`)
        .sort()
        .join('&') || '*',
      r.ruleIndex,
    ]);

  it.each<[string, RouteRule[], (string | number)[][]]>([
    ['catch-all only', [to('v1')], [['*', 0]]],
    [
      'header rule before catch-all',
      [to('v2', { matchHeaders: { 'x-version': 'v2' } }), to('v1')],
      [
        ['x-version=v2', 0],
        ['*', 1],
      ],
    ],
    [
      'catch-all first shadows the header rule (pruned)',
      [to('v1'), to('v2', { matchHeaders: { a: '1' } })],
      [['*', 0]],
    ],
    [
      'two independent headers: a request with both goes to the first',
      [to('v1', { matchHeaders: { a: '1' } }), to('v2', { matchHeaders: { b: '1' } }), to('v3')],
      [
        ['a=1&b=1', 0],
        ['a=1', 0],
        ['b=1', 1],
        ['*', 2],
      ],
    ],
    [
      'fewer headers first: the more specific later rule is unreachable for its superset',
      [to('v1', { matchHeaders: { a: '1' } }), to('v2', { matchHeaders: { a: '1', b: '1' } })],
      [['a=1', 0]],
    ],
    [
      'more headers first keeps both',
      [to('v2', { matchHeaders: { a: '1', b: '1' } }), to('v1', { matchHeaders: { a: '1' } })],
      [
        ['a=1&b=1', 0],
        ['a=1', 1],
      ],
    ],
    [
      'conflicting values never combine',
      [to('v1', { matchHeaders: { a: '1' } }), to('v2', { matchHeaders: { a: '2' } })],
      [
        ['a=1', 0],
        ['a=2', 1],
      ],
    ],
    [
      'header names compare case-insensitively',
      [to('v1', { matchHeaders: { 'X-Version': 'v2' } }), to('v2', { matchHeaders: { 'x-version': 'v2' } })],
      [['x-version=v2', 0]],
    ],
  ])('%s', (_what, rules, expected) => {
    expect(summary(rules)).toEqual(expected);
  });

  it('keeps the four cases of a header-scoped fault under a probe rule (none may tie)', () => {
    const rules = [
      to('v2', { matchHeaders: { 'x-meshproof-probe': 'converged' } }),
      to('v1', { matchHeaders: { 'x-fault': 'abort' }, fault: { abort: { status: 503, percent: 100 } } }),
      to('v1'),
    ];
    expect(summary(rules)).toEqual([
      ['x-fault=abort&x-meshproof-probe=converged', 0],
      ['x-fault=abort', 1],
      ['x-meshproof-probe=converged', 0],
      ['*', 2],
    ]);
  });
});

describe('outbound rendering details', () => {
  it('splits rules with different retry settings into HTTPRoutes, the first rule’s route last', () => {
    const routes = gatewayRoutes([
      route(
        to('v3', { matchHeaders: { p: '1' }, retries: noRetries }),
        to('v1', { retries: { attempts: 2, retryOn: ['5xx'] } }),
      ),
    ]);
    expect(routes.map((r) => [r.metadata.name, r.metadata.annotations ?? {}])).toEqual([
      ['server-route-2', { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '2' }],
      ['server-route-1', {}],
    ]);
  });

  it.each<[string, RouteRule, Record<string, number>]>([
    [
      '10% abort beside one backend',
      to('v1', { fault: { abort: { status: 503, percent: 10 } } }),
      { 'server-v1': 90, 'server-fault-503': 10 },
    ],
    [
      '100% abort: only the fault backend',
      to('v1', { fault: { abort: { status: 500, percent: 100 } } }),
      { 'server-fault-500': 100 },
    ],
    ['0% abort is no fault', to('v1', { fault: { abort: { status: 503, percent: 0 } } }), { 'server-v1': 1 }],
    [
      'abort shares the rest in the backends’ proportions',
      {
        backends: [
          { version: 'v1', weight: 90 },
          { version: 'v2', weight: 10 },
        ],
        fault: { abort: { status: 503, percent: 10 } },
      },
      { 'server-v1': 8100, 'server-v2': 900, 'server-fault-503': 1000 },
    ],
    [
      'fractional abort is scaled to parts per ten thousand',
      to('v1', { fault: { abort: { status: 503, percent: 2.5 } } }),
      { 'server-v1': 9750, 'server-fault-503': 250 },
    ],
    [
      'zero-weight backends are left out',
      {
        backends: [
          { version: 'v1', weight: 0 },
          { version: 'v2', weight: 3 },
        ],
      },
      { 'server-v2': 3 },
    ],
  ])('%s', (_what, rule, weights) => {
    const [only] = gatewayRoutes([route(rule)]);
    const refs = only?.spec.rules[0]?.backendRefs ?? [];
    expect(Object.fromEntries(refs.map((b) => [b.name, b.weight]))).toEqual(weights);
    expect(refs.every((b) => b.port === 80)).toBe(true);
  });

  it.each<[string, RouteRule, string | undefined]>([
    ['route timeout', to('v1', { timeoutMs: 300 }), '300ms'],
    ['no timeout', to('v1'), undefined],
    [
      'per-try timeout without retries bounds the only try',
      to('v1', { retries: { attempts: 0, perTryTimeoutMs: 250, retryOn: [] } }),
      '250ms',
    ],
    [
      'the shorter of both',
      to('v1', { timeoutMs: 200, retries: { attempts: 0, perTryTimeoutMs: 250, retryOn: ['5xx'] } }),
      '200ms',
    ],
    [
      'with retries the per-try timeout is an annotation',
      to('v1', { timeoutMs: 900, retries: { attempts: 1, perTryTimeoutMs: 250, retryOn: ['5xx'] } }),
      '900ms',
    ],
  ])('%s → timeouts.request %s', (_what, rule, request) => {
    const [only] = gatewayRoutes([route(rule)]);
    expect(only?.spec.rules[0]?.timeouts?.request).toBe(request);
  });

  it.each<[string, Intent[]]>([
    ['a delay fault', [route(to('v1', { fault: { delay: { ms: 100, percent: 20 } } }))]],
    ['a mirror', [route(to('v1', { mirror: { version: 'v2', percent: 50 } }))]],
    [
      'a connection limit',
      [{ kind: 'ConnectionLimit', service: 'server', maxConnections: 1, maxPending: 1 }],
    ],
    [
      'a method outside the CRD enum',
      [{ kind: 'AccessPolicy', service: 'server', rules: [{ methods: ['BREW'] }] }],
    ],
    ['a fractional rate limit', [{ kind: 'RateLimit', service: 'server', requestsPerSecond: 2.5 }]],
    ['a rule without backends', [route({ backends: [] })]],
    [
      'a partial abort without backends',
      [route({ backends: [], fault: { abort: { status: 503, percent: 50 } } })],
    ],
    ['an abort status outside 200–599', [route(to('v1', { fault: { abort: { status: 700, percent: 5 } } }))]],
  ])('refuses %s instead of dropping it', (_what, intents) => {
    expect(codeOf(() => renderLinkerd(intents))).toBe('MESHPROOF_UNSUPPORTED_COMBINATION');
  });

  it('ignores 0% delay and mirror (they change nothing)', () => {
    const intents = [
      route(to('v1', { fault: { delay: { ms: 100, percent: 0 } }, mirror: { version: 'v2', percent: 0 } })),
    ];
    expect(gatewayRoutes(intents)).toHaveLength(1);
  });
});

describe('faultBackendsNeeded', () => {
  it('lists one responder per status, in first-use order, none for 0% aborts', () => {
    const intents: Intent[] = [
      route(
        to('v1', { matchHeaders: { a: '1' }, fault: { abort: { status: 500, percent: 5 } } }),
        to('v1', { matchHeaders: { b: '1' }, fault: { abort: { status: 503, percent: 0 } } }),
        to('v1', { fault: { abort: { status: 500, percent: 50 } } }),
      ),
    ];
    const backends = faultBackendsNeeded(intents);
    expect(backends.map((b) => [b.name, b.status])).toEqual([['server-fault-500', 500]]);
  });

  it('needs nothing without abort faults', () => {
    expect(faultBackendsNeeded([route(to('v1'))])).toEqual([]);
  });
});

describe('renderFailureAccrual', () => {
  it('maps ejection times onto penalties (max penalty never below the min)', () => {
    const patch = renderFailureAccrual({
      kind: 'OutlierDetection',
      service: 'server',
      consecutive5xx: 5,
      intervalMs: 10_000,
      baseEjectionMs: 600_000,
      maxEjectionPercent: 10,
    });
    expect(patch.metadata.annotations).toEqual({
      'balancer.linkerd.io/failure-accrual': 'consecutive',
      'balancer.linkerd.io/failure-accrual-consecutive-max-failures': '5',
      'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': '10m',
      'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': '10m',
    });
  });
});

// ----------------------------------------------------------------- outbound: first match

/** The intent's meaning: the first rule whose headers all match takes the request. */
function intendedRule(
  rules: readonly RouteRule[],
  headers: Readonly<Record<string, string>>,
): RouteRule | undefined {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return rules.find((r) =>
    Object.entries(r.matchHeaders ?? {}).every(([k, v]) => lower[k.toLowerCase()] === v),
  );
}

function intendedShares(rule: RouteRule): Record<string, number> {
  const total = rule.backends.reduce((s, b) => s + b.weight, 0);
  const abort = rule.fault?.abort && rule.fault.abort.percent > 0 ? rule.fault.abort : undefined;
  const keep = abort ? 1 - abort.percent / 100 : 1;
  const shares: Record<string, number> = {};
  for (const b of rule.backends) {
    if (b.weight > 0 && keep > 0)
      shares[`server-${b.version}`] = (shares[`server-${b.version}`] ?? 0) + (keep * b.weight) / total;
  }
  if (abort) shares[`server-fault-${abort.status}`] = abort.percent / 100;
  return shares;
}

const headerPool: readonly (readonly [string, string])[] = [
  ['a', '1'],
  ['a', '2'],
  ['B', '1'],
  ['c', '1'],
];
const requestHeaderSets: Record<string, string>[] = (() => {
  const sets: Record<string, string>[] = [];
  for (const a of [undefined, '1', '2'])
    for (const b of [undefined, '1'])
      for (const c of [undefined, '1'])
        sets.push({ ...(a ? { a } : {}), ...(b ? { b } : {}), ...(c ? { C: c } : {}) });
  return sets;
})();
const retryChoices: readonly (RetryPolicy | undefined)[] = [
  undefined,
  noRetries,
  { attempts: 2, retryOn: ['5xx'] },
  { attempts: 1, perTryTimeoutMs: 100, retryOn: ['gateway-error'] },
];

function randomRoute(next: () => number): HttpRouteIntent {
  const count = 1 + Math.floor(next() * 4);
  const rules: RouteRule[] = [];
  for (let i = 0; i < count; i++) {
    const headers: Record<string, string> = {};
    const wanted = Math.floor(next() * 3);
    for (let h = 0; h < wanted; h++) {
      const [name, value] = pick(next, headerPool);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase())) headers[name] = value;
    }
    const versions = (['v1', 'v2', 'v3'] as const).filter(() => next() < 0.6);
    const retries = pick(next, retryChoices);
    rules.push({
      ...(Object.keys(headers).length > 0 ? { matchHeaders: headers } : {}),
      backends: (versions.length > 0 ? versions : (['v1'] as const)).map((version) => ({
        version,
        weight: 1 + Math.floor(next() * 9),
      })),
      ...(retries ? { retries } : {}),
      ...(next() < 0.3 ? { timeoutMs: pick(next, [300, 1500, 60_000]) } : {}),
      ...(next() < 0.25
        ? { fault: { abort: { status: pick(next, [500, 503]), percent: pick(next, [10, 100]) } } }
        : {}),
    });
  }
  return { kind: 'HttpRoute', service: 'server', rules };
}

describe('outbound: Linkerd routes each request as the intent says (model of the proxy)', () => {
  const check = (
    intent: HttpRouteIntent,
    resources: readonly LinkerdResource[],
    headers: Record<string, string>,
  ) => {
    const request: SimulatedRequest = { method: 'GET', path: '/any', headers };
    const decision = simulateOutbound(resources, request);
    const rule = intendedRule(intent.rules, headers);
    if (!rule) {
      expect(decision).toBeUndefined();
      return;
    }
    expect(decision).toBeDefined();
    const got = Object.entries(decision?.backends ?? {});
    const want = intendedShares(rule);
    expect(Object.fromEntries(got.map(([k, v]) => [k, Number(v.toFixed(4))]))).toEqual(
      Object.fromEntries(Object.entries(want).map(([k, v]) => [k, Number(v.toFixed(4))])),
    );
    expect(decision?.annotations).toEqual(retryAnnotations(rule.retries));
  };

  it('for 300 random routes × 12 header combinations, whatever the order routes were created in', () => {
    const next = random(0x5eed);
    for (let i = 0; i < 300; i++) {
      const intent = randomRoute(next);
      const resources = parseRendered(renderLinkerd([intent]));
      for (const headers of requestHeaderSets) {
        check(intent, resources, headers);
        check(intent, [...resources].reverse(), headers);
      }
    }
  });
});

// ------------------------------------------------------------------------ inbound: access

/** The intent's meaning: STRICT refuses plaintext; an allow-list lets through what one rule allows. */
function intendedAllowed(intents: readonly Intent[], caller: CallerName, request: SimulatedRequest): boolean {
  const peer = intents.find((i): i is PeerAuthenticationIntent => i.kind === 'PeerAuthentication');
  if (peer?.mode === 'STRICT' && caller === 'outsider') return false;
  const rules = intents
    .filter((i): i is AccessPolicyIntent => i.kind === 'AccessPolicy')
    .flatMap((p) => p.rules);
  if (!intents.some((i) => i.kind === 'AccessPolicy')) return true;
  return rules.some(
    (r) =>
      // A listed caller is an identity; the outsider presents none, so only unconditioned rules admit it.
      (r.from === undefined || (caller !== 'outsider' && r.from.includes(caller))) &&
      (r.methods === undefined || r.methods.includes(request.method)) &&
      (r.pathPrefixes === undefined || r.pathPrefixes.some((p) => isUnderPrefix(request.path, p))),
  );
}

const callers: readonly CallerName[] = ['client', 'frontend', 'outsider'];
const methods = ['GET', 'POST', 'DELETE', 'PUT'];
const paths = [
  '/',
  '/api',
  '/api/items',
  '/api/v2/items',
  '/public/status',
  '/admin/users',
  '/apix',
  '/API/items',
  '/api%2Fitems',
  '/publicity',
];

function randomAccess(next: () => number): Intent[] {
  const intents: Intent[] = [];
  const peer = pick(next, [undefined, 'STRICT', 'PERMISSIVE'] as const);
  if (peer) intents.push({ kind: 'PeerAuthentication', service: 'server', mode: peer });
  if (next() < 0.85) {
    const rules: AccessRule[] = [];
    const count = Math.floor(next() * 4);
    for (let i = 0; i < count; i++) {
      const from = pick(next, [
        undefined,
        [],
        ['client'],
        ['frontend'],
        ['client', 'frontend'],
        ['outsider'],
      ] as const);
      const ms = pick(next, [undefined, ['GET'], ['POST'], ['GET', 'DELETE']] as const);
      const ps = pick(next, [
        undefined,
        ['/api/'],
        ['/api'],
        ['/api/v2/'],
        ['/public/'],
        ['/api/', '/public'],
      ] as const);
      rules.push({
        ...(from ? { from: [...from] } : {}),
        ...(ms ? { methods: [...ms] } : {}),
        ...(ps ? { pathPrefixes: [...ps] } : {}),
      });
    }
    intents.push({ kind: 'AccessPolicy', service: 'server', rules });
  }
  return intents;
}

describe('inbound: Linkerd allows and denies as the intent says (model of the proxy)', () => {
  const expectIntended = (intents: Intent[], resources: readonly LinkerdResource[]) => {
    for (const caller of callers)
      for (const method of methods)
        for (const path of paths) {
          const request = { method, path };
          const got = simulateInbound(resources, caller, request);
          const want = intendedAllowed(intents, caller, request) ? 200 : 403;
          expect(got, `${caller} ${method} ${path} under ${JSON.stringify(intents)}`).toBe(want);
        }
  };

  it('for 400 random policies × 3 callers × 4 methods × 10 paths: denied is 403, never 404', () => {
    const next = random(0xacce55);
    for (let i = 0; i < 400; i++) {
      const intents = randomAccess(next);
      const resources = parseRendered(renderLinkerd(intents));
      expectIntended(intents, resources);
      expectIntended(intents, [...resources].reverse());
    }
  });

  it.each<[string, CallerName, SimulatedRequest]>([
    ['kubelet readiness probe', 'outsider', { method: 'GET', path: '/healthz' }],
    ['harness ledger read', 'outsider', { method: 'GET', path: '/__echo/ledger' }],
    ['harness mode change', 'frontend', { method: 'PUT', path: '/__echo/mode' }],
  ])('keeps the %s open under a deny-all policy with STRICT', (_what, caller, request) => {
    const intents: Intent[] = [
      { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
      { kind: 'AccessPolicy', service: 'server', rules: [] },
    ];
    expect(simulateInbound(parseRendered(renderLinkerd(intents)), caller, request)).toBe(200);
  });

  it('agrees with the intent on segment prefixes: trailing slash ignored, no partial segment, case kept', () => {
    const intents: Intent[] = [
      { kind: 'AccessPolicy', service: 'server', rules: [{ pathPrefixes: ['/api/'] }] },
    ];
    const resources = parseRendered(renderLinkerd(intents));
    for (const [path, allowed] of [
      ['/api', true],
      ['/api/items', true],
      ['/apiary', false],
      ['/API/items', false],
      ['/api%2Fitems', false],
    ] as const) {
      const request = { method: 'GET', path };
      expect(intendedAllowed(intents, 'client', request), path).toBe(allowed);
      expect(simulateInbound(resources, 'client', request), path).toBe(allowed ? 200 : 403);
    }
  });

  it('cuts method-and-path into the cells Linkerd needs (routes pick one, so cells carry unions)', () => {
    const cells = accessCells([
      { from: ['client'], methods: ['GET'], pathPrefixes: ['/api/'] },
      { pathPrefixes: ['/public/'] },
    ]).map(
      (c) =>
        `${c.method} ${c.prefix.written} → ${c.principal.kind === 'callers' ? c.principal.callers.join('+') : c.principal.kind}`,
    );
    expect(cells).toEqual(['* /public/ → anyone', 'GET /api/ → client', '* / → nobody']);
  });

  it('gives a caller allowed on a prefix by one rule and everywhere by another the union on that prefix', () => {
    const cells = accessCells([{ from: ['client'], pathPrefixes: ['/api/'] }, { from: ['frontend'] }]).map(
      (c) =>
        `${c.method} ${c.prefix.written} → ${c.principal.kind === 'callers' ? c.principal.callers.join('+') : c.principal.kind}`,
    );
    expect(cells).toEqual(['* /api/ → client+frontend', '* / → frontend']);
  });

  it('under STRICT opens "anyone" rules to every meshed identity only', () => {
    const intents: Intent[] = [
      { kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' },
      { kind: 'AccessPolicy', service: 'server', rules: [{ pathPrefixes: ['/public/'] }] },
    ];
    const names = renderLinkerd(intents).map((r) => `${r.kind}/${r.name}`);
    expect(names).toContain('MeshTLSAuthentication/server-all-meshed');
    expect(names).toContain('HTTPRoute/server-inbound-any-meshed');
  });
});

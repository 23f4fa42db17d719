/**
 * Outbound (caller-side) rendering: HttpRoute intents become Gateway API HTTPRoutes attached to
 * the Service, with retries as annotations, timeouts as rule fields and abort faults as weighted
 * shares to an error-returning Service; OutlierDetection becomes failure-accrual annotations on
 * the Service. All of it is done by the caller's proxy, so only meshed callers observe it.
 */
import type {
  HttpRouteIntent,
  OutlierDetectionIntent,
  RetryCondition,
  RetryPolicy,
  RouteRule,
  ServiceName,
} from '../../model/index.ts';
import { kube, serviceName, versionServiceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import type {
  GatewayHttpRouteRule,
  LinkerdGatewayHttpRoute,
  LinkerdRouteAnnotations,
  ServiceAnnotationsPatch,
  ServiceBackendRef,
} from './linkerd-resources.ts';
import { cannotRender, integerWeights, linkerdDuration, maxBackendWeight } from './linkerd-values.ts';

/** Name of the Service (and Deployment) that answers every request with `status`: `server-fault-503`. */
export function faultBackendName(service: ServiceName, status: number): string {
  return `${serviceName(service)}-fault-${status}`;
}

/** The abort fault of a rule if it can fire (a 0% abort is no fault at all). */
export function effectiveAbort(
  rule: RouteRule,
): { readonly status: number; readonly percent: number } | undefined {
  const abort = rule.fault?.abort;
  if (!abort || abort.percent <= 0) return undefined;
  if (!(abort.percent <= 100))
    throw cannotRender(`abort percentage must be within 0–100, got ${abort.percent}`);
  if (!Number.isInteger(abort.status) || abort.status < 200 || abort.status > 599) {
    throw cannotRender(`abort status must be an HTTP status between 200 and 599, got ${abort.status}`);
  }
  return abort;
}

// ------------------------------------------------------------------------ first match wins

/** Header conditions of a rule: lower-cased name → exact value. */
type HeaderSet = ReadonlyMap<string, string>;

function headerSetOf(rule: RouteRule): HeaderSet {
  const set = new Map<string, string>();
  for (const [name, value] of Object.entries(rule.matchHeaders ?? {})) {
    const lower = name.toLowerCase();
    const previous = set.get(lower);
    if (previous !== undefined && previous !== value) {
      throw cannotRender(`a route rule matches header ${lower} against two values (${previous}, ${value})`);
    }
    set.set(lower, value);
  }
  return set;
}

const keyOf = (set: HeaderSet) =>
  [...set.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
    .join('&');

const isSubset = (a: HeaderSet, b: HeaderSet) => [...a].every(([n, v]) => b.get(n) === v);

function unionIfCompatible(a: HeaderSet, b: HeaderSet): HeaderSet | undefined {
  const union = new Map(a);
  for (const [n, v] of b) {
    const existing = union.get(n);
    if (existing !== undefined && existing !== v) return undefined;
    union.set(n, v);
  }
  return union;
}

/** Most header sets considered before a route is declared too intricate to render. */
const maxHeaderSets = 256;

/** One Gateway API rule to render: the headers it matches and the intent rule that serves it. */
export interface ExpandedRule {
  readonly headers: HeaderSet;
  /** Index of the intent rule whose action the rendered rule takes. */
  readonly ruleIndex: number;
}

/**
 * Translates "the first matching rule wins" (the intent) into Gateway API precedence, which
 * Linkerd implements literally (linkerd2-proxy `linkerd/http/route`): the rule whose match has
 * the most header conditions wins, list order only breaks ties. For every set of rules a request
 * can match at once, a rule matching the union of their headers is rendered with the action of
 * the first of them; it is then the unique most specific match for exactly those requests,
 * wherever it sits (and in whichever of several HTTPRoutes). Rendered rules that change no
 * request's outcome, such as shadowed intent rules, are pruned; a pruning that would leave two
 * equally specific winners for some request is not made.
 */
export function expandFirstMatch(rules: readonly RouteRule[]): ExpandedRule[] {
  const ruleSets = rules.map(headerSetOf);
  const candidates = new Map<string, HeaderSet>();
  for (const set of ruleSets) candidates.set(keyOf(set), set);
  let frontier = [...candidates.values()];
  while (frontier.length > 0) {
    const next: HeaderSet[] = [];
    for (const a of frontier) {
      for (const b of ruleSets) {
        const union = unionIfCompatible(a, b);
        if (!union || candidates.has(keyOf(union))) continue;
        candidates.set(keyOf(union), union);
        next.push(union);
        if (candidates.size > maxHeaderSets) {
          throw cannotRender(`the route's header matches combine into more than ${maxHeaderSets} cases`);
        }
      }
    }
    frontier = next;
  }
  const actionOf = (set: HeaderSet) => ruleSets.findIndex((rule) => isSubset(rule, set));
  const all = [...candidates.values()].sort((a, b) => b.size - a.size || (keyOf(a) < keyOf(b) ? -1 : 1));
  const kept = new Set(all);
  const winnerOf = (request: HeaderSet): HeaderSet | undefined => {
    const matching = [...kept].filter((k) => isSubset(k, request));
    const best = Math.max(...matching.map((k) => k.size));
    const top = matching.filter((k) => k.size === best);
    return top.length === 1 ? top[0] : undefined;
  };
  for (const candidate of all) {
    kept.delete(candidate);
    const stillExact = all.every((request) => {
      const winner = winnerOf(request);
      return winner !== undefined && actionOf(winner) === actionOf(request);
    });
    if (!stillExact) kept.add(candidate);
  }
  return all.filter((set) => kept.has(set)).map((headers) => ({ headers, ruleIndex: actionOf(headers) }));
}

// ------------------------------------------------------------------------------ rule actions

/** Linkerd's retry status conditions for the mesh-agnostic ones; transport conditions have none. */
const retryStatusCondition: Record<RetryCondition, string | undefined> = {
  '5xx': '5xx',
  'gateway-error': 'gateway-error',
  // The proxy retries fail-fast (no endpoint became ready), refused-stream and per-try-timeout
  // errors whenever a route has a retry policy; connection failures themselves never reach a
  // request (the balancer only dispatches to endpoints it is connected to).
  'connect-failure': undefined,
  reset: undefined,
};

/** True when the rule retries at all. */
const retries = (policy: RetryPolicy | undefined): boolean =>
  policy !== undefined && policy.attempts > 0 && policy.retryOn.length > 0;

/**
 * Linkerd's retry annotations for a rule's policy, or none when it does not retry (Linkerd's
 * default: no retries). `retry.linkerd.io/limit` is the number of retries after the first
 * attempt, as in the intent; `0` cannot be written (Linkerd reads it as 1), so no retry is no
 * annotation.
 */
export function retryAnnotations(policy: RetryPolicy | undefined): LinkerdRouteAnnotations {
  if (policy === undefined || !retries(policy)) return {};
  if (!Number.isInteger(policy.attempts)) {
    throw cannotRender(`retry attempts must be a whole number, got ${policy.attempts}`);
  }
  const statuses = [...new Set(policy.retryOn.map((c) => retryStatusCondition[c]))].filter(
    (s): s is string => s !== undefined,
  );
  // 5xx already covers 502–504.
  const http = statuses.includes('5xx') ? ['5xx'] : statuses;
  return {
    ...(http.length > 0 ? { 'retry.linkerd.io/http': http.join(',') } : {}),
    'retry.linkerd.io/limit': String(policy.attempts),
    ...(policy.perTryTimeoutMs !== undefined
      ? { 'retry.linkerd.io/timeout': linkerdDuration(policy.perTryTimeoutMs, 'per-try timeout') }
      : {}),
  };
}

/**
 * The rule's request timeout. Without retries a per-try timeout bounds the only try, so it
 * becomes (or shortens) the request timeout: Linkerd's `retry.linkerd.io/timeout` alone would
 * switch one retry on.
 */
function requestTimeoutMs(rule: RouteRule): number | undefined {
  const perTry = retries(rule.retries) ? undefined : rule.retries?.perTryTimeoutMs;
  const candidates = [rule.timeoutMs, perTry].filter((t): t is number => t !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/**
 * Weighted backends of a rule. An abort fault of p% is a p% share to the fault Service (the way
 * Linkerd documents fault injection), the rule's own backends sharing the rest in their
 * proportions. Zero-weight backends are left out.
 */
function backendRefsOf(service: ServiceName, rule: RouteRule): ServiceBackendRef[] {
  const abort = effectiveAbort(rule);
  const named = rule.backends.map((b) => ({
    name: versionServiceName(service, b.version),
    weight: b.weight,
  }));
  if (named.some((b) => !Number.isFinite(b.weight) || b.weight < 0)) {
    throw cannotRender(`backend weights must be finite and non-negative`);
  }
  const total = named.reduce((sum, b) => sum + b.weight, 0);
  let entries = named;
  if (abort) {
    const fault = { name: faultBackendName(service, abort.status), weight: 0 };
    const exact =
      Number.isInteger(abort.percent) &&
      named.every((b) => Number.isInteger(b.weight)) &&
      Math.max(abort.percent * Math.max(total, 1), ...named.map((b) => (100 - abort.percent) * b.weight)) <=
        maxBackendWeight;
    if (total === 0 && abort.percent < 100) {
      throw cannotRender(`a rule aborting ${abort.percent}% needs a backend for the other requests`);
    }
    entries =
      total === 0
        ? [{ ...fault, weight: 1 }]
        : exact
          ? [
              ...named.map((b) => ({ ...b, weight: (100 - abort.percent) * b.weight })),
              { ...fault, weight: abort.percent * total },
            ]
          : [
              ...named.map((b) => ({ ...b, weight: ((100 - abort.percent) / 100) * (b.weight / total) })),
              { ...fault, weight: abort.percent / 100 },
            ];
  }
  const weights = integerWeights(entries.map((e) => e.weight));
  const refs = entries
    .map((e, i) => ({ name: e.name, port: kube.servicePort, weight: weights[i] ?? 0 }))
    .filter((ref) => ref.weight > 0);
  if (refs.length === 0) throw cannotRender('a route rule needs a backend with a positive weight');
  return refs;
}

function unsupportedParts(rule: RouteRule): void {
  if (rule.fault?.delay && rule.fault.delay.percent > 0) {
    throw cannotRender(
      'delay faults cannot be rendered: Linkerd has no delay injection (see linkerdSupport(FaultDelay))',
    );
  }
  if (rule.mirror && rule.mirror.percent > 0) {
    throw cannotRender(
      'mirroring cannot be rendered: Linkerd rejects the RequestMirror filter (see linkerdSupport(Mirroring))',
    );
  }
}

function gatewayRule(service: ServiceName, expanded: ExpandedRule, rule: RouteRule): GatewayHttpRouteRule {
  const headers = [...expanded.headers.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ type: 'Exact' as const, name, value }));
  const timeoutMs = requestTimeoutMs(rule);
  return {
    // Explicit path: every rendered rule then ranks equally on the path and only the header
    // count decides between them, as the expansion above assumes.
    matches: [{ path: { type: 'PathPrefix', value: '/' }, ...(headers.length > 0 ? { headers } : {}) }],
    backendRefs: backendRefsOf(service, rule),
    ...(timeoutMs !== undefined
      ? { timeouts: { request: linkerdDuration(timeoutMs, 'request timeout') } }
      : {}),
  };
}

/** Most rules the HTTPRoute CRD accepts in one route. */
const maxRulesPerRoute = 16;

/**
 * Gateway API HTTPRoutes for a route intent, in the order to apply them. Linkerd's retry
 * settings are annotations of a whole HTTPRoute, so rules with different retry settings go to
 * separate HTTPRoutes of the same Service; the header expansion keeps first-match-wins exact
 * across them. The HTTPRoute holding the intent's first rule (the convergence probe's, in
 * probed routes) comes last, so that once probes see it the others are already in place.
 */
export function renderOutboundRoutes(
  intent: HttpRouteIntent,
  at: MeshPlacement = defaultPlacement,
): LinkerdGatewayHttpRoute[] {
  intent.rules.forEach(unsupportedParts);
  const expanded = expandFirstMatch(intent.rules);
  const groups = new Map<
    string,
    { annotations: LinkerdRouteAnnotations; rules: ExpandedRule[]; first: number }
  >();
  for (const rule of expanded) {
    const annotations = retryAnnotations(intent.rules[rule.ruleIndex]?.retries);
    const key = JSON.stringify(annotations);
    const group = groups.get(key) ?? { annotations, rules: [], first: rule.ruleIndex };
    group.rules.push(rule);
    group.first = Math.min(group.first, rule.ruleIndex);
    groups.set(key, group);
  }
  const ordered = [...groups.values()].sort((a, b) => a.first - b.first);
  const chunks = ordered.flatMap((group) => {
    const parts: { annotations: LinkerdRouteAnnotations; rules: ExpandedRule[]; first: number }[] = [];
    for (let i = 0; i < group.rules.length; i += maxRulesPerRoute) {
      parts.push({ ...group, rules: group.rules.slice(i, i + maxRulesPerRoute) });
    }
    return parts;
  });
  const base = `${serviceName(intent.service)}-route`;
  const routes = chunks.map((chunk, index): LinkerdGatewayHttpRoute & { first: number } => ({
    first: chunk.first,
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name: chunks.length === 1 ? base : `${base}-${index + 1}`,
      namespace: at.names.meshNamespace,
      ...(Object.keys(chunk.annotations).length > 0 ? { annotations: chunk.annotations } : {}),
    },
    spec: {
      parentRefs: [
        { group: 'core', kind: 'Service', name: serviceName(intent.service), port: kube.servicePort },
      ],
      rules: chunk.rules.map((r) => gatewayRule(intent.service, r, intent.rules[r.ruleIndex] as RouteRule)),
    },
  }));
  const firstLast = [...routes.filter((r) => r.first !== 0), ...routes.filter((r) => r.first === 0)];
  return firstLast.map(({ first: _first, ...route }) => route);
}

// ------------------------------------------------------------------------- failure accrual

/** Envoy's default cap on an ejection (`max_ejection_time`), used as Linkerd's maximum penalty. */
const envoyMaxEjectionMs = 300_000;

/**
 * OutlierDetection as Linkerd's consecutive-failures accrual on the Service: after
 * `consecutive5xx` 5xx in a row an endpoint is made unavailable for `baseEjectionMs` (minimum
 * penalty), then probed with one real request; each failed probe backs off exponentially up to
 * the maximum penalty (Envoy's default maximum ejection, 300 s, or the base if longer).
 * Linkerd counts failures on every response, so `intervalMs` has no counterpart (ejection is
 * never later than with an interval), and it has no ejection cap: `maxEjectionPercent` below 100
 * is not enforced; when every endpoint is unavailable callers get 503.
 */
export function renderFailureAccrual(
  intent: OutlierDetectionIntent,
  at: MeshPlacement = defaultPlacement,
): ServiceAnnotationsPatch {
  if (!Number.isInteger(intent.consecutive5xx) || intent.consecutive5xx < 1) {
    throw cannotRender(`consecutive5xx must be a whole number of at least 1, got ${intent.consecutive5xx}`);
  }
  const minPenalty = linkerdDuration(intent.baseEjectionMs, 'base ejection time');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: serviceName(intent.service),
      namespace: at.names.meshNamespace,
      annotations: {
        'balancer.linkerd.io/failure-accrual': 'consecutive',
        'balancer.linkerd.io/failure-accrual-consecutive-max-failures': String(intent.consecutive5xx),
        'balancer.linkerd.io/failure-accrual-consecutive-min-penalty': minPenalty,
        'balancer.linkerd.io/failure-accrual-consecutive-max-penalty': linkerdDuration(
          Math.max(envoyMaxEjectionMs, intent.baseEjectionMs),
          'maximum penalty',
        ),
      },
    },
  };
}

/**
 * A small model of how Linkerd's proxies treat a request under rendered resources, written from
 * linkerd2-proxy's sources (`linkerd/http/route`: best match by path length, then header count,
 * then query-parameter count, then method; the first of equals wins; `linkerd/app/inbound/src/
 * policy/http.rs`: no route → 404, no satisfied authorization → 403) and the policy controller
 * (server-level authorizations and access policies apply to every route of a Server; with no
 * route, one default route). The tests use it to prove that the rendered YAML means what the
 * intents mean; it reads the YAML as Linkerd would, not the renderer's intermediate values.
 */
import { parse } from 'yaml';
import { linkerdIdentity } from '../../../lib/meshes/linkerd/capabilities.ts';
import type {
  LinkerdAuthorizationPolicy,
  LinkerdGatewayHttpRoute,
  LinkerdMeshTlsAuthentication,
  LinkerdPolicyHttpRoute,
  LinkerdResource,
  LinkerdServer,
} from '../../../lib/meshes/linkerd/linkerd-resources.ts';
import type { CallerName, RenderedResource } from '../../../lib/model/index.ts';
import { callerIdentity } from '../../../lib/model/index.ts';

/** The rendered resources parsed back from their YAML. */
export function parseRendered(resources: readonly RenderedResource[]): LinkerdResource[] {
  return resources.map((r) => parse(r.content) as LinkerdResource);
}

/** A request as the proxy matches it. */
export interface SimulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Summary = readonly [path: number, headers: number, query: number, method: number];

const compare = (a: Summary, b: Summary) => {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
};

interface AnyMatch {
  readonly path?: { readonly type?: string; readonly value?: string };
  readonly headers?: readonly { readonly name: string; readonly value: string; readonly type?: string }[];
  readonly method?: string;
}

/** linkerd2-proxy `MatchPath::match_length` for Exact and PathPrefix. */
function pathLength(match: AnyMatch['path'], path: string): number | undefined {
  const type = match?.type ?? 'PathPrefix';
  const value = match?.value ?? '/';
  if (type === 'Exact') return value === path ? value.length : undefined;
  if (type !== 'PathPrefix') throw new Error(`the model does not handle ${type} path matches`);
  if (value === '/') return 1;
  const prefix = value.replace(/\/+$/, '');
  const trimmed = path.replace(/\/+$/, '');
  if (!trimmed.startsWith(prefix)) return undefined;
  const suffix = trimmed.slice(prefix.length);
  return suffix === '' || suffix.startsWith('/') ? prefix.length : undefined;
}

function summarize(match: AnyMatch, request: SimulatedRequest): Summary | undefined {
  if (match.method !== undefined && match.method !== request.method) return undefined;
  const length = pathLength(match.path, request.path);
  if (length === undefined) return undefined;
  const headers = match.headers ?? [];
  const lower = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (!headers.every((h) => (h.type ?? 'Exact') === 'Exact' && lower[h.name.toLowerCase()] === h.value)) {
    return undefined;
  }
  return [length, headers.length, 0, match.method !== undefined ? 1 : 0];
}

/** linkerd2-proxy `find`: the best match over routes and rules, the first of equals winning. */
function best<R, T>(
  routes: readonly R[],
  rulesOf: (route: R) => readonly { readonly matches?: readonly AnyMatch[] }[],
  request: SimulatedRequest,
  pick: (route: R, ruleIndex: number) => T,
): T | undefined {
  let winner: { summary: Summary; value: T } | undefined;
  for (const route of routes) {
    rulesOf(route).forEach((rule, index) => {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
      const summaries = matches
        .map((m) => summarize(m, request))
        .filter((s): s is Summary => s !== undefined);
      if (summaries.length === 0) return;
      const summary = summaries.reduce((a, b) => (compare(a, b) >= 0 ? a : b));
      if (!winner || compare(summary, winner.summary) > 0) winner = { summary, value: pick(route, index) };
    });
  }
  return winner?.value;
}

/** What the caller's proxy does with a request to the Service under the outbound routes. */
export interface OutboundDecision {
  readonly route: string;
  /** Backend Service name → share of requests (0–1). */
  readonly backends: Readonly<Record<string, number>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly requestTimeout?: string;
}

/** The outbound route a meshed caller's proxy picks, or undefined for "no route" (404). */
export function simulateOutbound(
  resources: readonly LinkerdResource[],
  request: SimulatedRequest,
): OutboundDecision | undefined {
  const routes = resources.filter(
    (r): r is LinkerdGatewayHttpRoute =>
      r.kind === 'HTTPRoute' && r.apiVersion === 'gateway.networking.k8s.io/v1',
  );
  return best(
    routes,
    (route) => route.spec.rules,
    request,
    (route, index): OutboundDecision => {
      const rule = route.spec.rules[index];
      if (!rule) throw new Error('unreachable');
      const total = rule.backendRefs.reduce((sum, b) => sum + b.weight, 0);
      return {
        route: route.metadata.name,
        backends: Object.fromEntries(rule.backendRefs.map((b) => [b.name, b.weight / total])),
        annotations: { ...route.metadata.annotations },
        ...(rule.timeouts ? { requestTimeout: rule.timeouts.request } : {}),
      };
    },
  );
}

/** What the server's inbound proxy answers before the app: 200 when it lets the request through. */
export type InboundOutcome = 200 | 403 | 404;

/**
 * The inbound proxy's decision for a request from a caller to the server pods. Meshed callers
 * present their identity over mTLS; the outsider is plaintext. All networks are 0.0.0.0/0.
 */
export function simulateInbound(
  resources: readonly LinkerdResource[],
  caller: CallerName,
  request: SimulatedRequest,
): InboundOutcome {
  const server = resources.find((r): r is LinkerdServer => r.kind === 'Server');
  if (!server) return 200;
  const meshed = caller !== 'outsider';
  const identity = linkerdIdentity(callerIdentity(caller));
  const policies = resources.filter((r): r is LinkerdAuthorizationPolicy => r.kind === 'AuthorizationPolicy');
  const satisfied = (policy: LinkerdAuthorizationPolicy) =>
    policy.spec.requiredAuthenticationRefs.every((ref) => {
      const authn = resources.find((r) => r.kind === ref.kind && r.metadata.name === ref.name);
      if (!authn) return false;
      if (authn.kind === 'NetworkAuthentication') return true;
      if (authn.kind !== 'MeshTLSAuthentication') return false;
      const ids = (authn as LinkerdMeshTlsAuthentication).spec.identities ?? [];
      return (
        meshed &&
        ids.some(
          (id) => id === '*' || id === identity || (id.startsWith('*.') && identity.endsWith(id.slice(1))),
        )
      );
    });
  const serverLevel =
    policies.some(
      (p) =>
        p.spec.targetRef.kind === 'Server' && p.spec.targetRef.name === server.metadata.name && satisfied(p),
    ) ||
    server.spec.accessPolicy === 'all-unauthenticated' ||
    server.spec.accessPolicy === 'audit' ||
    (server.spec.accessPolicy === 'all-authenticated' && meshed);
  const routes = resources.filter(
    (r): r is LinkerdPolicyHttpRoute =>
      r.kind === 'HTTPRoute' &&
      r.apiVersion === 'policy.linkerd.io/v1beta3' &&
      r.spec.parentRefs.some((p) => p.kind === 'Server' && p.name === server.metadata.name),
  );
  // Without routes the controller serves one default route matching everything.
  if (routes.length === 0) return serverLevel ? 200 : 403;
  const route = best(
    routes,
    (r) => r.spec.rules,
    request,
    (r) => r,
  );
  if (!route) return 404;
  const routeLevel = policies.some(
    (p) =>
      p.spec.targetRef.kind === 'HTTPRoute' && p.spec.targetRef.name === route.metadata.name && satisfied(p),
  );
  return routeLevel || serverLevel ? 200 : 403;
}

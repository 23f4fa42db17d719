/**
 * Inbound (server-side) rendering: PeerAuthentication, AccessPolicy and RateLimit intents become
 * a Server for the server pods' port, policy.linkerd.io HTTPRoutes describing its traffic,
 * AuthorizationPolicies with Mesh TLS or network authentications, and an
 * HTTPLocalRateLimitPolicy. Enforced by the server pods' own proxies, so unmeshed callers are
 * subject to it too.
 */
import type {
  AccessPolicyIntent,
  AccessRule,
  CallerName,
  Intent,
  PeerAuthenticationIntent,
  RateLimitIntent,
  ServiceName,
} from '../../model/index.ts';
import { callerIdentity, localNames, serviceOfIntent } from '../../model/index.ts';
import { kube, serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import { defaultLinkerdPlacement, type LinkerdPlacement } from '../mesh-placement.ts';
import { linkerdIdentity } from './capabilities.ts';
import type {
  AuthenticationRef,
  HttpRouteMethod,
  LinkerdAuthorizationPolicy,
  LinkerdDefaultPolicy,
  LinkerdHttpLocalRateLimitPolicy,
  LinkerdMeshTlsAuthentication,
  LinkerdNetworkAuthentication,
  LinkerdPolicyHttpRoute,
  LinkerdResource,
  LinkerdServer,
  PolicyHttpRouteMatch,
} from './linkerd-resources.ts';
import { httpRouteMethods } from './linkerd-resources.ts';
import { cannotRender } from './linkerd-values.ts';

/**
 * Paths the harness itself needs on every server pod whatever the access policy says: the echo
 * fixture's control paths (ledger, mode, liveness; never counted as traffic) and the readiness
 * probe. Linkerd authorizes kubelet probes by itself only while a Server has no routes; an access
 * policy gives it routes, so these are authorized explicitly, from any network and without
 * identity, as Linkerd's own probe authorization is.
 */
export const harnessPaths: readonly PolicyHttpRouteMatch[] = [
  { path: { type: 'PathPrefix', value: '/__echo/' } },
  { path: { type: 'Exact', value: '/healthz' }, method: 'GET' },
];

/** Name of the Server for a service's pods' HTTP port: `server-http`. */
export function serverResourceName(service: ServiceName): string {
  return `${serviceName(service)}-${kube.servicePortName}`;
}

// Rendered into the local names; `renderInboundPolicy` places every resource in the run's namespace.
const meta = (name: string) => ({ name, namespace: localNames.meshNamespace });

// ------------------------------------------------------------------------------- principals

/** Who a part of the traffic is open to. */
type Principal =
  | { readonly kind: 'nobody' }
  | { readonly kind: 'anyone' }
  | { readonly kind: 'callers'; readonly callers: readonly CallerName[] };

const nobody: Principal = { kind: 'nobody' };

function principalOf(rule: AccessRule): Principal {
  if (rule.from === undefined) return { kind: 'anyone' };
  return rule.from.length === 0 ? nobody : { kind: 'callers', callers: [...new Set(rule.from)].sort() };
}

function unite(a: Principal, b: Principal): Principal {
  if (a.kind === 'anyone' || b.kind === 'nobody') return a;
  if (b.kind === 'anyone' || a.kind === 'nobody') return b;
  return { kind: 'callers', callers: [...new Set([...a.callers, ...b.callers])].sort() };
}

const principalKey = (p: Principal) => (p.kind === 'callers' ? p.callers.join(',') : `<${p.kind}>`);

// ------------------------------------------------------------------------------ access cells

/** A path prefix as Linkerd compares it: element-wise, trailing slash ignored. */
interface Prefix {
  /** Trailing slashes trimmed (`/` stays `/`). */
  readonly normalized: string;
  /** As the intent spelled it first, for the rendered route. */
  readonly written: string;
}

const normalizePrefix = (prefix: string) => (prefix === '/' ? '/' : prefix.replace(/\/+$/, '') || '/');

/** True when a request path under `inner` is also under `outer` (Linkerd's segment match). */
const within = (outer: string, inner: string) =>
  outer === '/' || inner === outer || inner.startsWith(`${outer}/`);

/** A method of the access rules, or any other. */
const other = '*' as const;
type CellMethod = HttpRouteMethod | typeof other;

/** One (path prefix, method) cell of the inbound routes. */
export interface AccessCell {
  readonly prefix: Prefix;
  readonly method: CellMethod;
  readonly principal: Principal;
}

/** Linkerd's preference between matches: longer path first, then a method condition. */
const rank = (cell: AccessCell) =>
  (cell.prefix.normalized === '/' ? 1 : cell.prefix.normalized.length) * 2 + (cell.method === other ? 0 : 1);

function validMethod(method: string): HttpRouteMethod {
  const upper = method.toUpperCase();
  const known = httpRouteMethods.find((m) => m === upper);
  if (!known)
    throw cannotRender(
      `access rules can only match the methods ${httpRouteMethods.join(', ')}, got ${method}`,
    );
  return known;
}

/**
 * The allow-list as Linkerd routes. Linkerd picks ONE route per request (the most specific match)
 * and checks only that route's authorizations, while the intent allows a request any of its
 * rules allow. So the traffic is cut into cells (every path prefix the rules mention × every
 * method they mention or any other), each open to the union of the rules covering it; cells
 * whose removal changes no request's outcome are pruned. The root cell `/` is always kept: every
 * request matches some route, so what no rule allows is answered 403 (a route without
 * authorization), never 404 (no route).
 */
export function accessCells(rules: readonly AccessRule[]): AccessCell[] {
  const prefixes = new Map<string, Prefix>([['/', { normalized: '/', written: '/' }]]);
  for (const rule of rules) {
    for (const written of rule.pathPrefixes ?? []) {
      if (!written.startsWith('/')) throw cannotRender(`path prefixes must start with /, got ${written}`);
      const normalized = normalizePrefix(written);
      if (!prefixes.has(normalized)) prefixes.set(normalized, { normalized, written });
    }
  }
  const methods = [...new Set(rules.flatMap((r) => (r.methods ?? []).map(validMethod)))];
  const coverage = (prefix: Prefix, method: CellMethod): Principal =>
    rules
      .filter(
        (r) =>
          (r.pathPrefixes === undefined ||
            r.pathPrefixes.some((p) => within(normalizePrefix(p), prefix.normalized))) &&
          (r.methods === undefined || (method !== other && r.methods.map(validMethod).includes(method))),
      )
      .map(principalOf)
      .reduce(unite, nobody);
  const cells: AccessCell[] = [...prefixes.values()].flatMap((prefix) =>
    [...methods, other].map((method: CellMethod) => ({
      prefix,
      method,
      principal: coverage(prefix, method),
    })),
  );
  // Requests fall into the same classes as the cells: the longest mentioned prefix they are
  // under, and their method if mentioned.
  const classes = cells;
  const matches = (cell: AccessCell, request: AccessCell) =>
    within(cell.prefix.normalized, request.prefix.normalized) &&
    (cell.method === other || cell.method === request.method);
  const kept = new Set(cells);
  const winner = (request: AccessCell) =>
    [...kept].filter((c) => matches(c, request)).sort((a, b) => rank(b) - rank(a))[0];
  const byRank = [...cells].sort((a, b) => rank(b) - rank(a));
  for (const cell of byRank) {
    if (cell.prefix.normalized === '/' && cell.method === other) continue;
    kept.delete(cell);
    const unchanged = classes.every((request) => {
      const w = winner(request);
      return w !== undefined && principalKey(w.principal) === principalKey(request.principal);
    });
    if (!unchanged) kept.add(cell);
  }
  return byRank.filter((cell) => kept.has(cell));
}

// ------------------------------------------------------------------------------ resources

interface Authentication {
  readonly ref: AuthenticationRef;
  readonly resource: LinkerdMeshTlsAuthentication | LinkerdNetworkAuthentication;
}

function allNetworks(service: ServiceName): Authentication {
  const name = `${serviceName(service)}-all-networks`;
  return {
    ref: { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name },
    resource: {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'NetworkAuthentication',
      metadata: meta(name),
      spec: { networks: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] },
    },
  };
}

function meshTls(name: string, identities: readonly [string, ...string[]]): Authentication {
  return {
    ref: { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name },
    resource: {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'MeshTLSAuthentication',
      metadata: meta(name),
      spec: { identities },
    },
  };
}

/** Every meshed client: what "anyone" means under STRICT mTLS. */
const allMeshed = (service: ServiceName) => meshTls(`${serviceName(service)}-all-meshed`, ['*']);

function authorizationPolicy(
  name: string,
  target: LinkerdAuthorizationPolicy['spec']['targetRef'],
  authentication: Authentication,
): LinkerdAuthorizationPolicy {
  return {
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'AuthorizationPolicy',
    metadata: meta(name),
    spec: { targetRef: target, requiredAuthenticationRefs: [authentication.ref] },
  };
}

/** Linkerd's CRD limits: 8 matches per rule, 16 rules per route. */
const maxMatchesPerRule = 8;
const maxRulesPerRoute = 16;

function inboundRoute(
  name: string,
  server: string,
  matches: readonly PolicyHttpRouteMatch[],
): LinkerdPolicyHttpRoute {
  if (matches.length > maxMatchesPerRule * maxRulesPerRoute) {
    throw cannotRender(
      `access policy needs more than ${maxMatchesPerRule * maxRulesPerRoute} matches in one route`,
    );
  }
  const rules = [];
  for (let i = 0; i < matches.length; i += maxMatchesPerRule)
    rules.push({ matches: matches.slice(i, i + maxMatchesPerRule) });
  return {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'HTTPRoute',
    metadata: meta(name),
    spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: server }], rules },
  };
}

/** What one inbound rendering produces, in the order to apply it. */
interface InboundParts {
  authentications: Authentication[];
  routes: LinkerdPolicyHttpRoute[];
  policies: LinkerdAuthorizationPolicy[];
}

function accessPolicyParts(
  service: ServiceName,
  rules: readonly AccessRule[],
  strict: boolean,
  at: LinkerdPlacement,
): InboundParts {
  const server = serverResourceName(service);
  const base = `${serviceName(service)}-inbound`;
  const anyone = strict ? allMeshed(service) : allNetworks(service);
  const networks = allNetworks(service);
  const groups = new Map<string, { principal: Principal; matches: PolicyHttpRouteMatch[] }>();
  for (const cell of accessCells(rules)) {
    const key = principalKey(cell.principal);
    const group = groups.get(key) ?? { principal: cell.principal, matches: [] };
    group.matches.push({
      path: { type: 'PathPrefix', value: cell.prefix.written },
      ...(cell.method === other ? {} : { method: cell.method }),
    });
    groups.set(key, group);
  }
  const parts: InboundParts = { authentications: [], routes: [], policies: [] };
  const authentications = new Map<string, Authentication>();
  const authorize = (routeName: string, authentication: Authentication) => {
    authentications.set(authentication.ref.name, authentication);
    parts.policies.push(
      authorizationPolicy(
        `${routeName}-authz`,
        { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: routeName },
        authentication,
      ),
    );
  };
  const harness = `${base}-harness`;
  parts.routes.push(inboundRoute(harness, server, harnessPaths));
  authorize(harness, networks);
  for (const { principal, matches } of groups.values()) {
    if (principal.kind === 'nobody') {
      // No authorization: whatever reaches this route is answered 403.
      parts.routes.push(inboundRoute(`${base}-denied`, server, matches));
      continue;
    }
    const name =
      principal.kind === 'anyone'
        ? `${base}-${strict ? 'any-meshed' : 'any'}`
        : `${base}-${principal.callers.join('-')}`;
    parts.routes.push(inboundRoute(name, server, matches));
    if (principal.kind === 'anyone') {
      authorize(name, anyone);
    } else {
      const identities = principal.callers.map((c) => linkerdIdentity(callerIdentity(c, at.names), at));
      authorize(
        name,
        meshTls(
          `${serviceName(service)}-clients-${principal.callers.join('-')}`,
          identities as [string, ...string[]],
        ),
      );
    }
  }
  parts.authentications = [...authentications.values()];
  return parts;
}

function rateLimitPolicy(intent: RateLimitIntent): LinkerdHttpLocalRateLimitPolicy {
  const rps = intent.requestsPerSecond;
  if (!Number.isInteger(rps) || rps < 1) {
    throw cannotRender(`Linkerd rate limits are whole requests per second of at least 1, got ${rps}`);
  }
  return {
    apiVersion: 'policy.linkerd.io/v1alpha1',
    kind: 'HTTPLocalRateLimitPolicy',
    metadata: meta(`${serviceName(intent.service)}-rate-limit`),
    spec: {
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: serverResourceName(intent.service) },
      total: { requestsPerSecond: rps },
    },
  };
}

const ofKind = <T extends Intent>(intents: readonly Intent[], kind: T['kind'], service: ServiceName) =>
  intents.filter((i): i is T => i.kind === kind && serviceOfIntent(i) === service);

/**
 * Inbound resources for one service, in the order to apply them: authentications, routes and
 * authorization policies before the Server that makes them bite (a new Server denies its port
 * until authorized), the rate limit after it. Nothing when no inbound intent concerns the
 * service: Linkerd's default policy (all-unauthenticated) then applies.
 *
 * - AccessPolicy: a Server denying by default, the cells of {@link accessCells} as HTTPRoutes,
 *   each authorized for its callers' mesh identities (MeshTLSAuthentication), for anyone
 *   (NetworkAuthentication 0.0.0.0/0 and ::/0, or under STRICT every meshed identity) or for
 *   nobody (403); plus the harness paths.
 * - STRICT alone: a Server denying by default and an AuthorizationPolicy on it requiring any
 *   mesh identity. A plaintext caller gets 403 from the server's proxy (not a reset as with
 *   Istio); the app never sees it. No routes, so Linkerd keeps authorizing kubelet probes.
 * - PERMISSIVE, or a rate limit alone: a Server whose access policy is all-unauthenticated, so
 *   the result does not depend on the cluster's default inbound policy.
 */
export function renderInboundPolicy(
  intents: readonly Intent[],
  service: ServiceName,
  at: LinkerdPlacement = defaultLinkerdPlacement,
): LinkerdResource[] {
  const peer = ofKind<PeerAuthenticationIntent>(intents, 'PeerAuthentication', service)[0];
  const access = ofKind<AccessPolicyIntent>(intents, 'AccessPolicy', service);
  const rate = ofKind<RateLimitIntent>(intents, 'RateLimit', service)[0];
  if (!peer && access.length === 0 && !rate) return [];
  const strict = peer?.mode === 'STRICT';
  const serverName = serverResourceName(service);
  let accessPolicy: LinkerdDefaultPolicy = 'all-unauthenticated';
  let parts: InboundParts = { authentications: [], routes: [], policies: [] };
  if (access.length > 0) {
    accessPolicy = 'deny';
    parts = accessPolicyParts(
      service,
      access.flatMap((p) => p.rules),
      strict,
      at,
    );
  } else if (strict) {
    accessPolicy = 'deny';
    const meshed = allMeshed(service);
    parts.authentications.push(meshed);
    parts.policies.push(
      authorizationPolicy(
        `${serverName}-any-meshed`,
        { group: 'policy.linkerd.io', kind: 'Server', name: serverName },
        meshed,
      ),
    );
  }
  const server: LinkerdServer = {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    metadata: meta(serverName),
    spec: {
      podSelector: { matchLabels: { [kube.appLabel]: serviceName(service) } },
      port: kube.containerPort,
      accessPolicy,
    },
  };
  const resources: LinkerdResource[] = [
    ...parts.authentications.map((a) => a.resource),
    ...parts.routes,
    ...parts.policies,
    server,
    ...(rate ? [rateLimitPolicy(rate)] : []),
  ];
  return resources.map(
    (r) => ({ ...r, metadata: { ...r.metadata, namespace: at.names.meshNamespace } }) as LinkerdResource,
  );
}

import type {
  AccessPolicyIntent,
  AccessRule,
  ConnectionLimitIntent,
  HttpRouteIntent,
  Intent,
  OutlierDetectionIntent,
  PeerAuthenticationIntent,
  RateLimitIntent,
  RenderedResource,
  RetryCondition,
  RetryPolicy,
  RouteRule,
  ServiceName,
} from '../../model/index.ts';
import { callerIdentity, spiffeId } from '../../model/index.ts';
import { applyDefects, type ReferenceDefect } from './defects.ts';
import type { ReferenceWiring, ServiceEndpoint, SidecarWiring } from './wiring.ts';

/** Name of the Lua action that delays a request (haproxy 2.6 has no native delay action). */
export const delayActionName = 'meshproof_delay';

/** The Lua file every sidecar loads: one action that sleeps without blocking the worker. */
export const delayLuaSource = `core.register_action("${delayActionName}", { "http-req" }, function(txn, ms)
  core.msleep(tonumber(ms))
end, 1)
`;

/** Mesh defaults, mirroring Istio's where they change what a client observes. */
const meshDefaults = {
  /** Istio retries twice on connection failures unless a route says otherwise. */
  retries: { attempts: 2, retryOn: ['connect-failure'] } satisfies RetryPolicy,
  connectTimeout: '2s',
  /** No route timeout unless configured (Istio: off by default). */
  serverTimeout: '60s',
  clientTimeout: '60s',
};

/** Resolution of weighted choices: weights are honoured to 1/10000. */
const weightScale = 10_000;

/** What a sidecar config is rendered from: everything but addresses. */
interface RenderInput {
  readonly intents: readonly Intent[];
  readonly wiring: ReferenceWiring;
  readonly defects: ReadonlySet<ReferenceDefect>;
}

/**
 * Renders the complete haproxy configuration of every sidecar of the reference mesh from the
 * intents in force. Pure: the same input always gives the same text.
 */
export function renderReferenceMesh(
  intents: readonly Intent[],
  wiring: ReferenceWiring,
  defects: ReadonlySet<ReferenceDefect> = new Set(),
): RenderedResource[] {
  // Defects bend the intents themselves, except those of the renderer (identity-dropped and the
  // security and routing near misses), which it reads from `defects`.
  const input = { intents: applyDefects(intents, defects), wiring, defects };
  return wiring.sidecars.map((sidecar) => ({
    kind: 'haproxy.cfg',
    name: `sidecar/${sidecar.name}`,
    format: 'haproxy',
    content: renderSidecar(sidecar, input),
  }));
}

function renderSidecar(sidecar: SidecarWiring, input: RenderInput): string {
  const sections = [renderGlobal(input.wiring), renderDefaults(input.wiring)];
  if (sidecar.inbound) sections.push(...renderInbound(sidecar, sidecar.inbound, input));
  if (sidecar.outboundPort !== undefined)
    sections.push(...renderOutbound(sidecar, sidecar.outboundPort, input));
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

function renderGlobal(wiring: ReferenceWiring): string[] {
  return [
    'global',
    '  log stderr format raw local0 info',
    // http-request normalize-uri (path normalization before authorization) is experimental in 2.6.
    '  expose-experimental-directives',
    `  lua-load ${wiring.luaFile}`,
    // Old workers must not keep serving the previous configuration for long after a reload.
    '  hard-stop-after 2s',
    '  tune.ssl.default-dh-param 2048',
  ];
}

function renderDefaults(wiring: ReferenceWiring): string[] {
  const logging =
    wiring.accessLog === false ? ['  no log'] : ['  log global', '  option httplog', '  option dontlognull'];
  return [
    'defaults',
    '  mode http',
    ...logging,
    `  timeout connect ${meshDefaults.connectTimeout}`,
    `  timeout client ${meshDefaults.clientTimeout}`,
    `  timeout server ${meshDefaults.serverTimeout}`,
    '  timeout http-request 10s',
    '  timeout queue 2s',
  ];
}

// ---------------------------------------------------------------- inbound (server side)
//
// What each line stands for in Envoy/Istio is written down in docs/reference-mesh-semantics.md.

/** Which of a server sidecar's HTTP listeners a request arrived on. */
type InboundListener = 'mtls' | 'plaintext';

function renderInbound(
  sidecar: SidecarWiring,
  inbound: NonNullable<SidecarWiring['inbound']>,
  input: RenderInput,
): string[][] {
  const service = serviceOfSidecar(sidecar, input.wiring);
  const strict = peerMode(service, input) === 'STRICT';
  const socket = (kind: string) => `abns@meshproof-${input.wiring.runId}-${sidecar.name}-${kind}`;
  const tlsBind = `ssl crt ${sidecar.certFile} ca-file ${input.wiring.caFile} ${clientCertificateVerification(input.defects)}`;
  const http = (listener: InboundListener) => [
    ...pathNormalizationLines(input.defects),
    ...callerIdentityHeaderLines(listener, service, input),
    ...(service ? inboundPolicy(service, listener, input) : []),
    ...identityHeaderLines(listener, sidecar, input.defects),
    '  default_backend app',
  ];
  const appBackend = ['backend app', `  server app 127.0.0.1:${inbound.appPort}`];

  if (strict) {
    return [['frontend inbound', `  bind 127.0.0.1:${inbound.port} ${tlsBind}`, ...http('mtls')], appBackend];
  }
  // PERMISSIVE: look at the first bytes; a TLS ClientHello goes to the mTLS listener, anything
  // else to the plaintext one (what Istio's TLS inspector does).
  return [
    [
      'frontend inbound',
      '  mode tcp',
      `  bind 127.0.0.1:${inbound.port}`,
      '  tcp-request inspect-delay 2s',
      '  tcp-request content accept if { req.ssl_hello_type 1 }',
      '  tcp-request content accept if { req.len gt 0 }',
      '  use_backend inbound-mtls if { req.ssl_hello_type 1 }',
      '  default_backend inbound-plaintext',
    ],
    ['backend inbound-mtls', '  mode tcp', `  server loop ${socket('mtls')} send-proxy-v2`],
    ['backend inbound-plaintext', '  mode tcp', `  server loop ${socket('plain')} send-proxy-v2`],
    ['frontend inbound-mtls', `  bind ${socket('mtls')} accept-proxy ${tlsBind}`, ...http('mtls')],
    ['frontend inbound-plaintext', `  bind ${socket('plain')} accept-proxy`, ...http('plaintext')],
    appBackend,
  ];
}

/**
 * OpenSSL verification errors (X509_V_ERR_*) a defective sidecar ignores on the client's leaf
 * certificate: 2, 18, 19, 20 and 21 say the chain does not lead to the mesh's root (Envoy's
 * `trust_chain_verification: ACCEPT_UNTRUSTED`); 10 says the certificate has expired.
 */
const untrustedChainErrors = [2, 18, 19, 20, 21];
const expiredCertificateError = 10;

/** The client-certificate requirement of an mTLS listener: a valid mesh certificate, always. */
function clientCertificateVerification(defects: ReadonlySet<ReferenceDefect>): string {
  const ignored = [
    ...(defects.has('mtls-any-ca') ? untrustedChainErrors : []),
    ...(defects.has('mtls-expiry-ignored') ? [expiredCertificateError] : []),
  ];
  const verify = defects.has('mtls-client-cert-optional') ? 'verify optional' : 'verify required';
  return ignored.length > 0 ? `${verify} crt-ignore-err ${ignored.join(',')}` : verify;
}

/**
 * The path as authorization and the app see it: backslashes as slashes, unreserved characters
 * percent-decoded, `.` and `..` segments removed (Envoy's `normalize_path`, which Istio's
 * default `pathNormalization: BASE` turns on). `%2F`, `%5C` and `//` are kept, as in BASE.
 * haproxy 2.6 has no backslash normalizer, hence the rewrite.
 */
function pathNormalizationLines(defects: ReadonlySet<ReferenceDefect>): string[] {
  if (defects.has('path-not-normalized')) return [];
  return [
    String.raw`  http-request set-path %[path,regsub("\\\\x5c",/,g)] if { path -m sub \x5c }`,
    '  http-request normalize-uri percent-decode-unreserved',
    '  http-request normalize-uri path-strip-dot',
    '  http-request normalize-uri path-strip-dotdot full',
  ];
}

/** Variable holding the identity a (defective) sidecar reads from a caller-supplied XFCC. */
const claimedIdentityVar = 'txn.claimed_identity';

/**
 * A caller-supplied X-Forwarded-Client-Cert is removed before anything reads it (Envoy removes
 * it on every connection that is not mTLS and, with Istio's APPEND_FORWARD, appends to it on
 * mTLS ones; the reference mesh replaces it there).
 */
function callerIdentityHeaderLines(
  listener: InboundListener,
  service: ServiceName | undefined,
  input: RenderInput,
): string[] {
  if (listener === 'mtls') return ['  http-request del-header x-forwarded-client-cert'];
  const { defects } = input;
  // The defect reads the claim only where an access rule asks for an identity.
  const identityRules = intentsOf<AccessPolicyIntent>(input.intents, 'AccessPolicy').some(
    (p) => p.service === service && p.rules.some((r) => r.from !== undefined),
  );
  const claimed =
    defects.has('identity-from-xfcc') && identityRules
      ? [
          `  http-request set-var(${claimedIdentityVar}) req.hdr(x-forwarded-client-cert),regsub(^.*URI=,),field(1,;)`,
        ]
      : [];
  const removed = defects.has('xfcc-passthrough-plaintext')
    ? []
    : ['  http-request del-header x-forwarded-client-cert'];
  return [...claimed, ...removed];
}

/** The caller identity shown to the app: the SPIFFE ID of the peer certificate, on mTLS only. */
function identityHeaderLines(
  listener: InboundListener,
  sidecar: SidecarWiring,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  if (listener !== 'mtls' || defects.has('identity-dropped')) return [];
  return [
    `  http-request set-header x-forwarded-client-cert "By=${sidecar.identity};Hash=%[ssl_c_der,sha2(256),hex,lower];Subject=\\"\\";URI=%[ssl_c_s_dn(CN)]" if { ssl_c_used }`,
  ];
}

/** The sample that gives the caller identity access rules match (the peer certificate's). */
function peerIdentitySample(listener: InboundListener, defects: ReadonlySet<ReferenceDefect>): string {
  return listener === 'plaintext' && defects.has('identity-from-xfcc')
    ? `var(${claimedIdentityVar})`
    : 'ssl_c_s_dn(CN)';
}

function serviceOfSidecar(sidecar: SidecarWiring, wiring: ReferenceWiring): ServiceName | undefined {
  for (const [service, endpoints] of Object.entries(wiring.services)) {
    if (endpoints.some((e) => e.sidecar === sidecar.name)) return service as ServiceName;
  }
  return undefined;
}

function peerMode(service: ServiceName | undefined, input: RenderInput): 'STRICT' | 'PERMISSIVE' {
  const declared = intentsOf<PeerAuthenticationIntent>(input.intents, 'PeerAuthentication').find(
    (i) => i.service === service,
  )?.mode;
  // The mesh default, as in Istio, is PERMISSIVE.
  return declared ?? 'PERMISSIVE';
}

/** Rate limit first (a limited request is not authorised work), then authorization. */
function inboundPolicy(service: ServiceName, listener: InboundListener, input: RenderInput): string[] {
  return [...rateLimitLines(service, input), ...authorizationLines(service, listener, input)];
}

function rateLimitLines(service: ServiceName, input: RenderInput): string[] {
  const limit = intentsOf<RateLimitIntent>(input.intents, 'RateLimit').find((i) => i.service === service);
  if (!limit) return [];
  // Count only admitted requests so that, as with a token bucket, a sustained overload still
  // lets the limit through instead of starving everyone.
  return [
    '  stick-table type integer size 1 expire 10s store gpc0_rate(1s)',
    '  http-request track-sc0 int(1)',
    `  http-request return status 429 content-type text/plain string "local_rate_limited" if { sc_gpc0_rate(0) ge ${limit.requestsPerSecond} }`,
    '  http-request sc-inc-gpc0(0)',
  ];
}

function authorizationLines(service: ServiceName, listener: InboundListener, input: RenderInput): string[] {
  const policies = intentsOf<AccessPolicyIntent>(input.intents, 'AccessPolicy').filter(
    (p) => p.service === service,
  );
  if (policies.length === 0) return [];
  const deny = '  http-request deny status 403 content-type text/plain string "RBAC: access denied"';
  const rules = policies.flatMap((p) => p.rules);
  if (rules.length === 0) return [deny];
  const identity = peerIdentitySample(listener, input.defects);
  const conditions = rules.map((rule) => accessRuleCondition(rule, identity, input.defects));
  return [`${deny} unless ${conditions.join(' || ')}`];
}

/** All of a rule's conditions (ANDed); an empty list matches nothing, an absent one anything. */
function accessRuleCondition(
  rule: AccessRule,
  identity: string,
  defects: ReadonlySet<ReferenceDefect>,
): string {
  const terms: string[] = [];
  if (rule.from) {
    const ids = rule.from.map((caller) => spiffeId(callerIdentity(caller)));
    terms.push(ids.length > 0 ? `{ ${identity} -m str ${ids.join(' ')} }` : 'FALSE');
  }
  if (rule.methods) terms.push(rule.methods.length > 0 ? `{ method ${rule.methods.join(' ')} }` : 'FALSE');
  if (rule.pathPrefixes) terms.push(pathPrefixCondition(rule.pathPrefixes, defects));
  return terms.length > 0 ? terms.join(' ') : 'TRUE';
}

/**
 * A path prefix covers itself and what lies below it, segment by segment, case-sensitively
 * (Gateway API PathPrefix; Istio `paths: [/api, /api/*]`): `/api` and `/api/` take `/api`,
 * `/api/` and `/api/items`, never `/apiary` or `/api%2Fitems`. Appending a slash to the path
 * makes that one prefix test.
 */
function pathPrefixCondition(prefixes: readonly string[], defects: ReadonlySet<ReferenceDefect>): string {
  if (prefixes.length === 0) return 'FALSE';
  const flags = defects.has('authz-path-case-insensitive') ? '-i ' : '';
  if (defects.has('authz-prefix-no-segment-boundary')) return `{ path_beg ${flags}${prefixes.join(' ')} }`;
  const bounded = [...new Set(prefixes.map((p) => `${p.replace(/\/+$/, '')}/`))];
  return `{ path,concat(/) -m beg ${flags}${bounded.join(' ')} }`;
}

// ---------------------------------------------------------------- outbound (caller side)

function renderOutbound(sidecar: SidecarWiring, port: number, input: RenderInput): string[][] {
  const frontend = [
    'frontend outbound',
    `  bind 127.0.0.1:${port}`,
    '  http-request set-var(txn.service) req.hdr(host),field(1,:),lower',
  ];
  const backends: string[][] = [];
  for (const [name, endpoints] of Object.entries(input.wiring.services)) {
    const service = name as ServiceName;
    const isService = `{ var(txn.service) -m str ${service} }`;
    const route = routeOf(service, input);
    const serviceBackend = `${service}-all`;
    backends.push(
      renderBackend(serviceBackend, endpoints, sidecar, meshDefaults.retries, undefined, service, input),
    );
    if (!route) {
      frontend.push(`  use_backend ${serviceBackend} if ${isService}`);
      continue;
    }
    const rules = route.rules;
    rules.forEach((rule, index) => {
      const match = Object.entries(rule.matchHeaders ?? {}).map(([h, v]) =>
        headerMatchCondition(h, v, input.defects),
      );
      frontend.push(
        `  http-request set-var(txn.rule) int(${index}) if ${isService} ${match.join(' ')} !{ var(txn.rule) -m found }`,
      );
    });
    rules.forEach((rule, index) => {
      const inRule = `${isService} { var(txn.rule) -m int ${index} }`;
      frontend.push(...faultLines(rule, inRule));
      // Weights become integer ranges of a uniform draw in [0, weightScale): one choice per request.
      const total = rule.backends.reduce((sum, b) => sum + Math.max(b.weight, 0), 0);
      frontend.push(`  http-request set-var(txn.pick) rand(${weightScale}) if ${inRule}`);
      let from = 0;
      let cumulative = 0;
      for (const backend of rule.backends) {
        if (backend.weight <= 0 || total <= 0) continue;
        const name = `${service}-r${index}-${backend.version}`;
        cumulative += backend.weight;
        const to = Math.round((cumulative / total) * weightScale);
        frontend.push(
          `  use_backend ${name} if ${inRule} { var(txn.pick) -m int ge ${from} } { var(txn.pick) -m int lt ${to} }`,
        );
        from = to;
        const versionEndpoints = endpoints.filter((e) => e.version === backend.version);
        backends.push(
          renderBackend(
            name,
            versionEndpoints,
            sidecar,
            rule.retries ?? meshDefaults.retries,
            rule,
            service,
            input,
          ),
        );
      }
    });
    // A request to a routed service that matches no rule has no route: 404, as in Envoy.
    frontend.push(
      `  http-request return status 404 content-type text/plain string "no route" if ${isService} !{ var(txn.rule) -m found }`,
    );
  }
  // http-request rules all run before use_backend, so the fallback must be a backend.
  frontend.push('  default_backend unknown-service');
  const unknown = [
    'backend unknown-service',
    '  http-request return status 503 content-type text/plain string "unknown service"',
  ];
  return [frontend, ...backends, unknown];
}

/**
 * An exact, case-sensitive match of a header's value, its name in any case (Envoy's header
 * matcher with `string_match.exact`, as Istio renders `headers: {name: {exact}}`).
 */
function headerMatchCondition(name: string, value: string, defects: ReadonlySet<ReferenceDefect>): string {
  const method = defects.has('header-match-prefix')
    ? 'beg'
    : defects.has('header-match-substring')
      ? 'sub'
      : 'str';
  const flags = defects.has('header-match-case-insensitive') ? ' -i' : '';
  return `{ req.hdr(${name}) -m ${method}${flags} ${value} }`;
}

function routeOf(service: ServiceName, input: RenderInput): HttpRouteIntent | undefined {
  return intentsOf<HttpRouteIntent>(input.intents, 'HttpRoute').find((r) => r.service === service);
}

function faultLines(rule: RouteRule, inRule: string): string[] {
  const lines: string[] = [];
  const chance = (percent: number) => `{ rand(1000000) -m int lt ${Math.round(percent * 10_000)} }`;
  // Envoy's fault filter delays first, then aborts.
  if (rule.fault?.delay) {
    const { ms, percent } = rule.fault.delay;
    lines.push(`  http-request lua.${delayActionName} ${ms} if ${inRule} ${chance(percent)}`);
  }
  if (rule.fault?.abort) {
    const { status, percent } = rule.fault.abort;
    lines.push(
      `  http-request return status ${status} content-type text/plain string "fault filter abort" if ${inRule} ${chance(percent)}`,
    );
  }
  return lines;
}

/** haproxy `retry-on` keywords for the mesh-agnostic retry conditions (Envoy's meanings). */
const retryKeywords: Record<RetryCondition, readonly string[]> = {
  // Envoy's 5xx: any 5xx, or no response at all (connect failure, reset, per-try timeout).
  '5xx': [
    'conn-failure',
    'empty-response',
    'junk-response',
    'response-timeout',
    '500',
    '501',
    '502',
    '503',
    '504',
  ],
  'gateway-error': ['conn-failure', 'empty-response', 'response-timeout', '502', '503', '504'],
  'connect-failure': ['conn-failure'],
  reset: ['empty-response', 'junk-response'],
};

function retryOnKeywords(policy: RetryPolicy): string[] {
  const keywords = new Set(policy.retryOn.flatMap((c) => retryKeywords[c]));
  return [...keywords];
}

function renderBackend(
  name: string,
  endpoints: readonly ServiceEndpoint[],
  caller: SidecarWiring,
  retries: RetryPolicy,
  rule: RouteRule | undefined,
  service: ServiceName,
  input: RenderInput,
): string[] {
  const keywords = retries.attempts > 0 ? retryOnKeywords(retries) : [];
  const lines = [`backend ${name}`, '  balance roundrobin'];
  lines.push(`  retries ${keywords.length > 0 ? retries.attempts : 0}`);
  lines.push(`  retry-on ${keywords.length > 0 ? keywords.join(' ') : 'none'}`);
  const serverTimeout = retries.perTryTimeoutMs ?? rule?.timeoutMs;
  if (serverTimeout !== undefined) lines.push(`  timeout server ${serverTimeout}ms`);
  const limit = intentsOf<ConnectionLimitIntent>(input.intents, 'ConnectionLimit').find(
    (i) => i.service === service,
  );
  const outlier = intentsOf<OutlierDetectionIntent>(input.intents, 'OutlierDetection').find(
    (i) => i.service === service,
  );
  if (outlier) lines.push('  option httpchk GET /healthz');
  const tls = `ssl crt ${caller.certFile} ca-file ${input.wiring.caFile} verify required`;
  for (const endpoint of endpoints) {
    const options = [tls];
    if (limit) options.push(`maxconn ${limit.maxConnections} maxqueue ${Math.max(limit.maxPending, 0)}`);
    if (outlier) {
      options.push(
        `check inter ${outlier.intervalMs}ms rise 1 fall 1 downinter ${outlier.baseEjectionMs}ms`,
        `observe layer7 error-limit ${outlier.consecutive5xx} on-error mark-down`,
      );
    }
    lines.push(`  server ${endpoint.sidecar} 127.0.0.1:${endpoint.port} ${options.join(' ')}`);
  }
  return lines;
}

function intentsOf<T extends Intent>(intents: readonly Intent[], kind: T['kind']): T[] {
  return intents.filter((i): i is T => i.kind === kind);
}

import type {
  AccessPolicyIntent,
  AccessRule,
  ConnectionLimitIntent,
  HttpRouteIntent,
  Intent,
  JwtAccessPolicyIntent,
  JwtAccessRule,
  OutlierDetectionIntent,
  PeerAuthenticationIntent,
  RateLimitIntent,
  RenderedResource,
  RequestAuthenticationIntent,
  RetryCondition,
  RetryPolicy,
  RouteRule,
  ServiceName,
} from '../../model/index.ts';
import { callerIdentity, spiffeId } from '../../model/index.ts';
import { applyDefects, type ReferenceDefect } from './defects.ts';
import { renderEgress } from './render-egress.ts';
import { renderIngressGatewaySections } from './render-ingress-gateway.ts';
import {
  inboundTelemetryLines,
  metricsFrontend,
  outboundTelemetryLines,
  telemetryStartLines,
} from './render-telemetry.ts';
import { deadlineFilterName, delayActionName } from './sidecar-lua.ts';
import type { ReferenceWiring, ServiceEndpoint, SidecarWiring } from './wiring.ts';

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
  const verifiesTokens =
    sidecar.inbound !== undefined && jwtService(serviceOfSidecar(sidecar, input.wiring), input);
  const global = renderGlobal(input.wiring);
  const sections = [verifiesTokens ? [...global, ...jwtThreadLines] : global, renderDefaults(input.wiring)];
  if (sidecar.ingress)
    sections.push(
      ...renderIngressGatewaySections(sidecar, sidecar.ingress, input.wiring, input.intents, input.defects),
    );
  if (sidecar.inbound) sections.push(...renderInbound(sidecar, sidecar.inbound, input));
  if (sidecar.outboundPort !== undefined)
    sections.push(...renderOutbound(sidecar, sidecar.outboundPort, input));
  sections.push(...metricsFrontend(input.intents, sidecar, input.defects));
  if (sidecar.egressPort !== undefined) sections.push(...renderEgress(sidecar, sidecar.egressPort, input));
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
  const authn = jwtService(service, input);
  // With end-user authentication, the listeners that speak TLS stay off the thread verifying tokens.
  const tlsThread = authn ? ` thread ${jwtThreads.tls}` : '';
  const tlsBind = `ssl crt ${sidecar.certFile} ca-file ${input.wiring.caFile} ${clientCertificateVerification(input.defects)}${tlsThread}`;
  const http = (listener: InboundListener) => [
    ...telemetryStartLines(input.intents),
    ...pathNormalizationLines(input.defects),
    ...callerIdentityHeaderLines(listener, service, input),
    ...(service ? inboundPolicy(service, listener, input) : []),
    ...identityHeaderLines(listener, sidecar, input.defects),
    ...inboundTelemetryLines(input.intents, listener === 'mtls', sidecar, input.defects),
    `  default_backend ${authn ? 'authn' : 'app'}`,
  ];
  const appBackend = [
    ['backend app', `  server app 127.0.0.1:${inbound.appPort}`],
    ...(authn && service ? requestAuthenticationHop(service, socket('authn'), input) : []),
  ];

  if (strict) {
    return [
      ['frontend inbound', `  bind 127.0.0.1:${inbound.port} ${tlsBind}`, ...http('mtls')],
      ...appBackend,
    ];
  }
  // PERMISSIVE: look at the first bytes; a TLS ClientHello goes to the mTLS listener, anything
  // else to the plaintext one (what Istio's TLS inspector does).
  return [
    [
      'frontend inbound',
      '  mode tcp',
      `  bind 127.0.0.1:${inbound.port}${tlsThread}`,
      '  tcp-request inspect-delay 2s',
      '  tcp-request content accept if { req.ssl_hello_type 1 }',
      '  tcp-request content accept if { req.len gt 0 }',
      '  use_backend inbound-mtls if { req.ssl_hello_type 1 }',
      '  default_backend inbound-plaintext',
    ],
    ['backend inbound-mtls', '  mode tcp', `  server loop ${socket('mtls')} send-proxy-v2`],
    ['backend inbound-plaintext', '  mode tcp', `  server loop ${socket('plain')} send-proxy-v2`],
    ['frontend inbound-mtls', `  bind ${socket('mtls')} accept-proxy ${tlsBind}`, ...http('mtls')],
    [
      'frontend inbound-plaintext',
      `  bind ${socket('plain')} accept-proxy${tlsThread}`,
      ...http('plaintext'),
    ],
    ...appBackend,
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
  // With end-user authentication, tokens are verified and every access rule enforced in the hop.
  if (jwtService(service, input)) return rateLimitLines(service, input);
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
  const jwtPolicies = intentsOf<JwtAccessPolicyIntent>(input.intents, 'JwtAccessPolicy').filter(
    (p) => p.service === service,
  );
  if (policies.length === 0 && jwtPolicies.length === 0) return [];
  const deny = '  http-request deny status 403 content-type text/plain string "RBAC: access denied"';
  const rules = policies.flatMap((p) => p.rules);
  const jwtRules = jwtPolicies.flatMap((p) => p.rules);
  if (rules.length === 0 && jwtRules.length === 0) return [deny];
  const identity = peerIdentitySample(listener, input.defects);
  // Two ALLOW policies: a request either allows is allowed.
  const jwt = jwtRules.map((rule, index) => jwtAccessRuleCondition(rule, index, input.defects));
  const conditions = [
    ...rules.map((rule) => accessRuleCondition(rule, identity, input.defects)),
    ...jwt.map((j) => j.condition),
  ];
  return [...jwt.flatMap((j) => j.acls), `${deny} unless ${conditions.join(' || ')}`];
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

// ---------------------------------------------------------------- end-user authentication (JWT)
//
// Envoy's jwt_authn filter as Istio configures it for a RequestAuthentication (istio/istio@1.30.3
// pilot/pkg/security/authn/policy_applier.go `convertToEnvoyJwtConfig`): a token, when present,
// must verify and carry the issuer and an audience, unexpired (60 s of clock skew, Envoy's
// default), or the request is answered 401; a request without one passes (`allow_missing`). The
// verified token is removed (`forward: false`) and the claims named are copied to headers.

/** Variables of the JWT lines: the token, its header's `alg`, claims, and the principal `iss/sub`. */
const jwtVar = {
  token: 'txn.jwt',
  alg: 'txn.jwt_alg',
  iss: 'txn.jwt_iss',
  sub: 'txn.jwt_sub',
  exp: 'txn.jwt_exp',
  nbf: 'txn.jwt_nbf',
  now: 'txn.jwt_now',
  principal: 'txn.jwt_principal',
} as const;

/** Envoy's clock skew for `exp` and `nbf` (JwtProvider `clock_skew_seconds`, default 60). */
const jwtClockSkewSeconds = 60;

/**
 * Array claims (`aud`, a claim of an access rule) are read element by element: haproxy 2.6's
 * `json_query` returns strings, numbers and booleans only, never an array. This many elements are
 * read; a token with a longer list is judged by its first ones (docs/reference-mesh-semantics.md).
 */
const jwtArrayElements = 8;

/** Ways of reading a claim as a string: itself, or each of its first array elements. */
function jwtClaimReads(claim: string, elements = jwtArrayElements): string[] {
  const path = `$.${claim.replace(/\./g, '\\\\.')}`;
  return [path, ...Array.from({ length: elements }, (_, i) => `${path}[${i}]`)];
}

/** ACL terms, each true when the token's claim read one way (see {@link jwtClaimReads}) is one of `values`. */
function jwtClaimMatches(
  claim: string,
  values: readonly string[],
  method: 'str' | 'beg',
  elements = jwtArrayElements,
): string[] {
  return jwtClaimReads(claim, elements).map(
    (path) => `{ var(${jwtVar.token}),jwt_payload_query('${path}') -m ${method} ${values.join(' ')} }`,
  );
}

/**
 * haproxy 2.6.12 leaves OpenSSL's per-thread error queue filled when `jwt_verify` fails (fixed by
 * 46b1fec0e "BUG/MEDIUM: jwt: Clear SSL error queue on error when checking the signature", 2.6.19+),
 * and the next TLS read on that thread takes the stale error for its own: the connection is reset
 * or the worker crashes. So a sidecar that verifies tokens runs two threads, its TLS listeners on
 * one and the hop that verifies tokens (plaintext, over an abstract socket) on the other.
 */
const jwtThreads = { tls: 1, verify: 2 } as const;
const jwtThreadLines = ['  nbthread 2'];

/** True when the service's sidecars verify end-user tokens (a RequestAuthentication or a JWT access policy). */
function jwtService(service: ServiceName | undefined, input: RenderInput): boolean {
  return input.intents.some(
    (i) => (i.kind === 'RequestAuthentication' || i.kind === 'JwtAccessPolicy') && i.service === service,
  );
}

/**
 * The hop where a server sidecar verifies tokens and then enforces access rules (Envoy's
 * jwt_authn before RBAC), after the listener that terminated mTLS and showed the app the peer's
 * identity. Access rules on peer identity need the TLS connection, so the reference mesh does not
 * combine an AccessPolicy with end-user authentication on one service (it refuses to render it).
 */
function requestAuthenticationHop(service: ServiceName, socket: string, input: RenderInput): string[][] {
  if (intentsOf<AccessPolicyIntent>(input.intents, 'AccessPolicy').some((p) => p.service === service))
    throw new Error(
      'the reference mesh cannot combine an AccessPolicy with end-user authentication on one service',
    );
  return [
    ['backend authn', `  server authn ${socket}`],
    [
      'frontend inbound-authn',
      `  bind ${socket} thread ${jwtThreads.verify}`,
      ...requestAuthenticationLines(service, input),
      ...authorizationLines(service, 'plaintext', input),
      '  default_backend app',
    ],
  ];
}

function requestAuthenticationLines(service: ServiceName, input: RenderInput): string[] {
  const auth = intentsOf<RequestAuthenticationIntent>(input.intents, 'RequestAuthentication').find(
    (i) => i.service === service,
  );
  if (!auth) return [];
  const keys = input.wiring.jwtKeyFiles ?? [];
  if (keys.length === 0)
    throw new Error('a RequestAuthentication needs the JWKS keys the reference control plane fetched');
  const { defects } = input;
  const present = `{ var(${jwtVar.token}) -m found }`;
  const refuse = (reason: string, condition: string) =>
    `  http-request return status 401 content-type text/plain string "${reason}" hdr www-authenticate "Bearer realm=\\"${auth.issuer}\\", error=\\"invalid_token\\"" if ${present} ${condition}`;
  // The defect verifies with the algorithm the token names (haproxy's documented example without
  // its `alg` check): `alg: none` and an empty signature verify.
  const algFromToken = defects.has('jwt-alg-from-token');
  const verifyAlg = algFromToken ? jwtVar.alg : '"RS256"';
  const signature = keys.map(
    (file) => `!{ var(${jwtVar.token}),jwt_verify(${verifyAlg},"${file}") -m int 1 }`,
  );
  const audience = jwtClaimMatches(
    'aud',
    auth.audiences,
    'str',
    defects.has('jwt-audience-array-unread') ? 0 : jwtArrayElements,
  );
  const lines = [
    `  http-request set-var(${jwtVar.token}) http_auth_bearer`,
    `  http-request set-var(${jwtVar.alg}) var(${jwtVar.token}),jwt_header_query('$.alg') if ${present}`,
    `  http-request set-var(${jwtVar.iss}) var(${jwtVar.token}),jwt_payload_query('$.iss') if ${present}`,
    `  http-request set-var(${jwtVar.sub}) var(${jwtVar.token}),jwt_payload_query('$.sub') if ${present}`,
    `  http-request set-var(${jwtVar.exp}) var(${jwtVar.token}),jwt_payload_query('$.exp','int') if ${present}`,
    `  http-request set-var(${jwtVar.nbf}) var(${jwtVar.token}),jwt_payload_query('$.nbf','int') if ${present}`,
    `  http-request set-var(${jwtVar.now}) date if ${present}`,
    ...(algFromToken ? [] : [refuse('Jwt verification fails', `!{ var(${jwtVar.alg}) -m str RS256 }`)]),
    ...(defects.has('jwt-signature-unchecked')
      ? []
      : [refuse('Jwt verification fails', signature.join(' '))]),
    ...(defects.has('jwt-issuer-ignored')
      ? []
      : [refuse('Jwt issuer is not configured', `!{ var(${jwtVar.iss}) -m str ${auth.issuer} }`)]),
    ...(defects.has('jwt-audience-ignored') || auth.audiences.length === 0
      ? []
      : [
          // One ACL declared once per way of reading aud (haproxy ORs them; a line holds at most 64 words).
          ...audience.map((term) => `  acl jwt_audience ${term.slice(2, -2)}`),
          refuse('Audiences in Jwt are not allowed', '!jwt_audience'),
        ]),
    ...(defects.has('jwt-expiry-ignored')
      ? []
      : [
          refuse(
            'Jwt is expired',
            `{ var(${jwtVar.exp}) -m found } { var(${jwtVar.now}),sub(${jwtVar.exp}) gt ${jwtClockSkewSeconds} }`,
          ),
        ]),
    refuse(
      'Jwt not yet valid',
      `{ var(${jwtVar.nbf}) -m found } { var(${jwtVar.nbf}),sub(${jwtVar.now}) gt ${jwtClockSkewSeconds} }`,
    ),
    // Verified: the principal access rules match, the claims shown to the app, the token removed.
    `  http-request set-var(${jwtVar.principal}) var(${jwtVar.iss}),concat(/,${jwtVar.sub},) if ${present}`,
    ...Object.entries(defects.has('jwt-claim-headers-dropped') ? {} : (auth.claimHeaders ?? {})).map(
      ([header, claim]) =>
        `  http-request set-header ${header} %[var(${jwtVar.token}),jwt_payload_query('$.${claim}')] if ${present}`,
    ),
    ...(defects.has('jwt-token-forwarded') ? [] : [`  http-request del-header authorization if ${present}`]),
  ];
  return lines;
}

/**
 * A JWT access rule: a verified token (its principal set) meeting every condition. A claim
 * condition is a named ACL declared once per way of reading the claim (haproxy ORs the
 * declarations of one name; its conditions have no parentheses). The defect
 * `jwt-principal-missing-allowed` lets a request without a token meet a principal condition.
 */
function jwtAccessRuleCondition(
  rule: JwtAccessRule,
  index: number,
  defects: ReadonlySet<ReferenceDefect>,
): { acls: string[]; condition: string } {
  const claimMethod = defects.has('jwt-claim-prefix') ? 'beg' : 'str';
  const verified = `{ var(${jwtVar.principal}) -m found }`;
  const terms: string[] = [];
  if (rule.principals) {
    terms.push(
      rule.principals.length === 0
        ? 'FALSE'
        : `{ var(${jwtVar.principal}) -m str ${rule.principals.join(' ')} }`,
    );
  }
  const acls: string[] = [];
  Object.entries(rule.claims ?? {}).forEach(([claim, values], c) => {
    if (values.length === 0) {
      terms.push('FALSE');
      return;
    }
    const name = `jwt_rule${index}_claim${c}`;
    for (const term of jwtClaimMatches(claim, values, claimMethod))
      acls.push(`  acl ${name} ${term.slice(2, -2)}`);
    terms.push(name);
  });
  if (defects.has('jwt-principal-missing-allowed') && rule.principals && acls.length === 0) {
    return { acls, condition: `!${verified} || ${terms.join(' ')}` };
  }
  return { acls, condition: [verified, ...terms].join(' ') };
}

// ---------------------------------------------------------------- outbound (caller side)

/**
 * An upstream cluster, as Envoy has one per service and per subset (`outbound|port|subset|host`):
 * the unit of connection-pool limits and of outlier detection.
 */
interface Cluster {
  /** `server` (every endpoint of the service) or `server-v1` (a subset). */
  readonly name: string;
  readonly endpoints: readonly ServiceEndpoint[];
  readonly limit: ConnectionLimitIntent | undefined;
  readonly outlier: OutlierDetectionIntent | undefined;
}

function renderOutbound(sidecar: SidecarWiring, port: number, input: RenderInput): string[][] {
  const frontend = [
    'frontend outbound',
    `  bind 127.0.0.1:${port}`,
    ...telemetryStartLines(input.intents),
    '  http-request set-var(txn.service) req.hdr(host),field(1,:),lower',
    ...outboundTelemetryLines(input.intents, sidecar, input.wiring, input.defects),
  ];
  const backends: string[][] = [];
  const clusters = new Map<string, Cluster>();
  for (const [name, endpoints] of Object.entries(input.wiring.services)) {
    const service = name as ServiceName;
    const cluster = (subset?: RouteRule['backends'][number]['version']): Cluster => {
      const key = subset ? `${service}-${subset}` : service;
      const found = clusters.get(key) ?? {
        name: key,
        endpoints: subset ? endpoints.filter((e) => e.version === subset) : endpoints,
        limit: intentsOf<ConnectionLimitIntent>(input.intents, 'ConnectionLimit').find(
          (i) => i.service === service,
        ),
        outlier: intentsOf<OutlierDetectionIntent>(input.intents, 'OutlierDetection').find(
          (i) => i.service === service,
        ),
      };
      clusters.set(key, found);
      return found;
    };
    const isService = `{ var(txn.service) -m str ${service} }`;
    const route = routeOf(service, input);
    if (!route) {
      // No route: the service's own cluster with the mesh's default retries.
      const serviceBackend = `${service}-all`;
      backends.push(
        ...renderRouteBackends(serviceBackend, cluster(), meshDefaults.retries, undefined, sidecar, input),
      );
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
      frontend.push(...faultLines(rule, inRule, input));
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
        backends.push(
          ...renderRouteBackends(
            name,
            cluster(backend.version),
            rule.retries ?? meshDefaults.retries,
            rule,
            sidecar,
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
  const pools = [...clusters.values()].flatMap((c) => renderConnectionPool(c, sidecar, input));
  return [frontend, ...backends, ...pools, unknown];
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

function faultLines(rule: RouteRule, inRule: string, input: RenderInput): string[] {
  const lines: string[] = [];
  const chance = (percent: number) => `{ rand(1000000) -m int lt ${Math.round(percent * 10_000)} }`;
  // Envoy's fault filter delays first, then aborts.
  if (rule.fault?.delay) {
    const { ms, percent } = rule.fault.delay;
    lines.push(`  http-request lua.${delayActionName} ${ms} if ${inRule} ${chance(percent)}`);
  }
  if (rule.fault?.abort) {
    const { status, percent } = rule.fault.abort;
    // The defect answers once the app has answered: the request was forwarded all the same.
    const phase = input.defects.has('fault-abort-after-upstream') ? 'http-response' : 'http-request';
    lines.push(
      `  ${phase} return status ${status} content-type text/plain string "fault filter abort" if ${inRule} ${chance(percent)}`,
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

function retryOnKeywords(policy: RetryPolicy, input: RenderInput): string[] {
  const keywords = new Set(policy.retryOn.flatMap((c) => retryKeywords[c]));
  if (input.defects.has('retry-on-client-errors') && policy.retryOn.includes('5xx')) keywords.add('404');
  return [...keywords];
}

/** An abstract socket of this sidecar's own, for a hop between two of its sections. */
function loopback(sidecar: SidecarWiring, input: RenderInput, section: string): string {
  return `abns@meshproof-${input.wiring.runId}-${sidecar.name}-${section}`;
}

/**
 * The backend(s) a route rule (or the service's default route) sends one cluster's share to, as
 * Envoy's router does: retries and the per-try timeout apply to each attempt, the route timeout to
 * the whole request.
 *
 * haproxy's `timeout server` restarts with every attempt, so a rule that retries under a route
 * timeout becomes two layers joined by an HTTP/2 hop inside the sidecar: the outer backend holds
 * the route timeout over the whole request, the inner one makes the attempts. When the outer one
 * gives up, HTTP/2 resets the hop's stream and the inner one abandons its attempt and every retry
 * (Envoy's `onResponseTimeout` resets the upstream request and does not retry). Over HTTP/1 the
 * inner layer would not notice and keep retrying.
 */
function renderRouteBackends(
  name: string,
  cluster: Cluster,
  retries: RetryPolicy,
  rule: RouteRule | undefined,
  sidecar: SidecarWiring,
  input: RenderInput,
): string[][] {
  const keywords = retries.attempts > 0 ? retryOnKeywords(retries, input) : [];
  const retrying = keywords.length > 0;
  const attemptLines = [
    `  retries ${retrying ? retries.attempts : 0}`,
    `  retry-on ${retrying ? keywords.join(' ') : 'none'}`,
    // Every retry goes to another endpoint where there is one, as Istio's retries skip the hosts
    // already tried (envoy.retry_host_predicates.previous_hosts); haproxy otherwise retries the
    // same server after a turn-around of up to a second, waiting for a dead endpoint to come back.
  ];
  const routeTimeout = rule?.timeoutMs;
  const perTry = retrying ? retries.perTryTimeoutMs : undefined;
  // The former rendering, kept as a defect: one timeout, restarted by every attempt.
  if (input.defects.has('route-timeout-per-attempt')) {
    const timeout = retries.perTryTimeoutMs ?? routeTimeout;
    return [
      [
        `backend ${name}`,
        '  balance roundrobin',
        ...attemptLines,
        ...(timeout !== undefined ? [`  timeout server ${timeout}ms`] : []),
        ...admissionLines(cluster, input),
        ...clusterServers(cluster, sidecar, input),
      ],
    ];
  }
  // The defect: the route timeout bounds only the connection's set-up (a hung server that accepts
  // connections, as the kernel does for a paused process, is waited for).
  if (routeTimeout !== undefined && input.defects.has('route-timeout-connect-only')) {
    return [
      [
        `backend ${name}`,
        '  balance roundrobin',
        ...attemptLines,
        `  timeout connect ${routeTimeout}ms`,
        ...admissionLines(cluster, input),
        ...clusterServers(cluster, sidecar, input),
      ],
    ];
  }
  const deadline =
    routeTimeout !== undefined && !input.defects.has('route-timeout-idle')
      ? routeDeadlineLines(routeTimeout)
      : [];
  if (routeTimeout !== undefined && input.defects.has('timeout-status-503')) {
    deadline.push('  http-after-response set-status 503 if { status 504 }');
  }
  if (retrying && routeTimeout !== undefined) {
    const tries = `${name}-tries`;
    return [
      [
        `backend ${name}`,
        '  retries 0',
        '  retry-on none',
        `  timeout server ${routeTimeout}ms`,
        ...deadline,
        ...admissionLines(cluster, input),
        `  server ${tries} ${loopback(sidecar, input, tries)} proto h2`,
      ],
      [
        `frontend ${tries}`,
        `  bind ${loopback(sidecar, input, tries)} proto h2`,
        `  default_backend ${tries}`,
      ],
      [
        `backend ${tries}`,
        '  balance roundrobin',
        ...attemptLines,
        ...(perTry !== undefined ? [`  timeout server ${perTry}ms`] : []),
        ...clusterServers(cluster, sidecar, input),
      ],
    ];
  }
  // One attempt, or attempts without a route timeout: one layer, the shorter timeout per attempt.
  const timeouts = [routeTimeout, retries.perTryTimeoutMs].filter((t): t is number => t !== undefined);
  return [
    [
      `backend ${name}`,
      '  balance roundrobin',
      ...attemptLines,
      ...(timeouts.length > 0 ? [`  timeout server ${Math.min(...timeouts)}ms`] : []),
      ...deadline,
      ...admissionLines(cluster, input),
      ...clusterServers(cluster, sidecar, input),
    ],
  ];
}

/**
 * The route timeout as Envoy runs it, from the request to the end of the response, in the backend
 * that receives the request: `timeout server` bounds the silence before the headers, but starts
 * only once the connection is up, so headers that still come after the deadline are answered 504
 * (what Envoy's timer would have answered earlier), and a body under way at the deadline is cut
 * off by the Lua filter.
 */
function routeDeadlineLines(timeoutMs: number): string[] {
  return [
    `  filter lua.${deadlineFilterName} ${timeoutMs}`,
    `  http-request set-var(txn.route_deadline) date(0,ms),add(${timeoutMs})`,
    `  http-response return status 504 content-type text/plain string "upstream request timeout" if { date(0,ms),sub(txn.route_deadline) ge 0 }`,
  ];
}

/** Envoy's answer to a request its connection pool has no room for (router.cc `onUpstreamAbort`). */
const overflowReply =
  'status 503 content-type text/plain string "upstream connect error or disconnect/reset before headers. reset reason: overflow" hdr x-envoy-overloaded true';

/**
 * Envoy's pending-request limit (`max_pending_requests`, cluster-wide): a request that finds every
 * connection busy and the pending list full is answered 503 at once and not retried. The requests
 * of a cluster in flight (on a connection or pending) are counted with a stick-table's trackers,
 * shared by every backend that routes to the cluster; the check comes before any attempt, so an
 * overflow is never retried (Envoy's `RetryStateImpl` never retries an overflow).
 */
function admissionLines(cluster: Cluster, input: RenderInput): string[] {
  const { limit } = cluster;
  if (!limit || input.defects.has('connection-limit-per-endpoint')) return [];
  const table = `limits-${cluster.name}`;
  return [
    `  http-request track-sc1 int(1) table ${table}`,
    `  http-request return ${overflowReply} if { sc1_trackers(${table}) gt ${limit.maxConnections + Math.max(limit.maxPending, 0)} }`,
  ];
}

/**
 * The server lines of a backend sending to a cluster: its endpoints (mTLS, outlier detection), or
 * for a cluster with a connection limit, the hop to its pool (see {@link renderConnectionPool}).
 */
function clusterServers(cluster: Cluster, sidecar: SidecarWiring, input: RenderInput): string[] {
  const perEndpoint = input.defects.has('connection-limit-per-endpoint');
  if (cluster.limit && !perEndpoint) {
    const hop = `cluster-${cluster.name}`;
    return [`  server ${hop} ${loopback(sidecar, input, hop)} proto h2`];
  }
  // The former rendering of a limit, kept as a defect: per endpoint, overflow queued.
  const queued =
    cluster.limit && perEndpoint
      ? `maxconn ${cluster.limit.maxConnections} maxqueue ${Math.max(cluster.limit.maxPending, 0)}`
      : undefined;
  return endpointServers(cluster, sidecar, input, queued);
}

function endpointServers(
  cluster: Cluster,
  sidecar: SidecarWiring,
  input: RenderInput,
  extra?: string,
): string[] {
  const { outlier } = cluster;
  const tls = `ssl crt ${sidecar.certFile} ca-file ${input.wiring.caFile} verify required`;
  const lines = outlier ? ['  option httpchk GET /healthz'] : [];
  for (const endpoint of cluster.endpoints) {
    const options = [tls];
    if (extra) options.push(extra);
    if (outlier) {
      // Envoy ejects an endpoint on its n-th consecutive 5xx (`observe layer7 ... mark-down`) and
      // returns it at the first sweep (every interval) after the base ejection time. Here a
      // marked-down endpoint returns after `rise` passing checks, one per interval: as many as fit
      // in the base ejection time, so it is out for about that long, not until the next check.
      const rise = Math.max(1, Math.ceil(outlier.baseEjectionMs / outlier.intervalMs));
      options.push(
        `check inter ${outlier.intervalMs}ms rise ${rise} fall 1`,
        `observe layer7 error-limit ${outlier.consecutive5xx} on-error mark-down`,
      );
    }
    lines.push(`  server ${endpoint.sidecar} 127.0.0.1:${endpoint.port} ${options.join(' ')}`);
  }
  return lines;
}

/**
 * A cluster's connection pool, as Envoy keeps one per cluster in each client proxy: at most
 * `maxConnections` requests on the wire at once across all the cluster's endpoints (HTTP/1.1:
 * one request per connection), the admitted rest waiting for one to free up. One server slot with
 * that `maxconn`, behind which the endpoints are balanced; the admission count lives in
 * `limits-<cluster>`. The waiting requests have no queue timeout of their own, as in Envoy, where
 * only the route timeout (or the client) ends them.
 */
function renderConnectionPool(cluster: Cluster, sidecar: SidecarWiring, input: RenderInput): string[][] {
  if (!cluster.limit || input.defects.has('connection-limit-per-endpoint')) return [];
  const hop = `cluster-${cluster.name}`;
  const pool = `pool-${cluster.name}`;
  return [
    [`backend limits-${cluster.name}`, '  stick-table type integer size 1 expire 1h'],
    [
      `listen ${hop}`,
      `  bind ${loopback(sidecar, input, hop)} proto h2`,
      '  retries 0',
      `  timeout queue ${meshDefaults.serverTimeout}`,
      `  server ${pool} ${loopback(sidecar, input, pool)} proto h2 maxconn ${cluster.limit.maxConnections}`,
    ],
    [
      `listen ${pool}`,
      `  bind ${loopback(sidecar, input, pool)} proto h2`,
      '  balance roundrobin',
      '  retries 0',
      ...endpointServers(cluster, sidecar, input),
    ],
  ];
}

function intentsOf<T extends Intent>(intents: readonly Intent[], kind: T['kind']): T[] {
  return intents.filter((i): i is T => i.kind === kind);
}

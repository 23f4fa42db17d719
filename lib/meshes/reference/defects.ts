import type { HttpRouteIntent, Intent, RouteRule } from '../../model/index.ts';

/** Rewrites every route rule of every HttpRoute. */
function mapRules(
  intents: readonly Intent[],
  f: (rule: RouteRule, route: HttpRouteIntent) => RouteRule,
): Intent[] {
  return intents.map((i) => (i.kind === 'HttpRoute' ? { ...i, rules: i.rules.map((r) => f(r, i)) } : i));
}

function without<T extends object, K extends keyof T>(object: T, key: K): Omit<T, K> {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}

/** Moves `points` percent of a rule's total weight from its first backend to its last. */
function skewWeights(rule: RouteRule, points: number): RouteRule {
  if (rule.backends.length < 2) return rule;
  const total = rule.backends.reduce((sum, b) => sum + b.weight, 0);
  const shift = (total * points) / 100;
  const last = rule.backends.length - 1;
  return {
    ...rule,
    backends: rule.backends.map((b, i) =>
      i === 0 ? { ...b, weight: b.weight - shift } : i === last ? { ...b, weight: b.weight + shift } : b,
    ),
  };
}

export interface DefectDefinition {
  readonly description: string;
  /** Checks that must FAIL on a mesh carrying this defect. */
  readonly catches: readonly string[];
  /** How the defect bends the intents before rendering; absent for defects of the renderer itself. */
  readonly mutate?: (intents: readonly Intent[]) => Intent[];
  /**
   * Only for a defect whose effect does not show in what the mesh renders (haproxy configs),
   * e.g. one in how a process is started or in the files the installation writes (certificates,
   * CA files, scripts): why not. `make mutants` then installs the mesh with it on its own, and
   * every check's verdict counts as changeable; otherwise it runs on the conformant installation
   * with the defect's rendering, and tests require it to install the same files and to render
   * differently for each check it `catches`.
   */
  readonly unrenderedEffect?: string;
}

/**
 * Deliberate defects the reference mesh can carry, so that the suite proves every check
 * catches the fault it exists for. Each names the checks that must fail under it.
 */
export const referenceDefects = {
  'mtls-permissive': {
    description: 'STRICT mTLS is rendered as PERMISSIVE: plaintext callers are let in.',
    catches: ['security.mtls.strict-rejects-plaintext'],
    mutate: (intents) =>
      intents.map((i) =>
        i.kind === 'PeerAuthentication' && i.mode === 'STRICT' ? { ...i, mode: 'PERMISSIVE' } : i,
      ),
  },
  'plaintext-refused': {
    description: 'PERMISSIVE is rendered as STRICT: plaintext callers are refused.',
    catches: ['security.mtls.permissive-accepts-plaintext'],
    mutate: (intents) =>
      intents.map((i) =>
        i.kind === 'PeerAuthentication' && i.mode === 'PERMISSIVE' ? { ...i, mode: 'STRICT' } : i,
      ),
  },
  'identity-dropped': {
    description: 'The sidecar does not pass the caller identity (X-Forwarded-Client-Cert) to the app.',
    catches: ['security.mtls.identity-presented'],
  },
  'authz-ignored': {
    description: 'Access policies are not rendered: every caller reaches every path.',
    catches: ['security.authz.deny-unlisted-identity', 'security.authz.method-and-path'],
    mutate: (intents) => intents.filter((i) => i.kind !== 'AccessPolicy'),
  },
  'authz-deny-all': {
    description: 'Access policies deny everything, also the callers and paths they allow.',
    catches: ['security.authz.allow-listed-identity', 'security.authz.method-and-path'],
    mutate: (intents) => intents.map((i) => (i.kind === 'AccessPolicy' ? { ...i, rules: [] } : i)),
  },
  'header-match-ignored': {
    description: 'Route rules that match on headers are dropped: matching requests take the default route.',
    catches: [
      'traffic.routing.header-match',
      'resilience.fault.header-scoped',
      'resilience.fault.delay-percentage',
    ],
    mutate: (intents) =>
      intents.map((i) =>
        i.kind === 'HttpRoute' ? { ...i, rules: i.rules.filter((r) => !isHeaderScoped(r)) } : i,
      ),
  },
  'weights-skewed': {
    description: 'Route weights are off by 10 points: 90/10 is served as 80/20.',
    catches: [
      'traffic.weights.90-10',
      'traffic.weights.50-50',
      'traffic.weights.three-way',
      'traffic.weights.zero-weight',
    ],
    mutate: (intents) => mapRules(intents, (rule) => skewWeights(rule, 10)),
  },
  'weights-swapped': {
    description: 'Route weights are applied to the backends in reverse order: 90/10 is served as 10/90.',
    catches: ['traffic.weights.90-10', 'traffic.weights.three-way', 'traffic.weights.zero-weight'],
    mutate: (intents) =>
      mapRules(intents, (rule) => ({
        ...rule,
        backends: rule.backends.map((b, i, all) => ({
          ...b,
          weight: all[all.length - 1 - i]?.weight ?? b.weight,
        })),
      })),
  },
  'retries-off-by-one': {
    description: 'The retry count is rendered as total attempts + 1 (attempts and retries confused).',
    catches: ['resilience.retries.attempts-honoured'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.retries && rule.retries.attempts > 0
          ? { ...rule, retries: { ...rule.retries, attempts: rule.retries.attempts + 1 } }
          : rule,
      ),
  },
  'retry-on-ignored': {
    description: 'Retry conditions are ignored: every 5xx and reset is retried.',
    catches: ['resilience.retries.retry-on-respected'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.retries && rule.retries.attempts > 0
          ? { ...rule, retries: { ...rule.retries, retryOn: ['5xx'] } }
          : rule,
      ),
  },
  'per-try-timeout-ignored': {
    description: 'The per-try timeout is not rendered: a slow attempt is waited for.',
    catches: ['resilience.retries.per-try-timeout', 'resilience.timeout.bounds-retries'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.retries ? { ...rule, retries: without(rule.retries, 'perTryTimeoutMs') } : rule,
      ),
  },
  'timeout-ignored': {
    description: 'Route timeouts are not rendered: slow responses are waited for.',
    catches: [
      'resilience.timeout.route-timeout',
      'resilience.timeout.bounds-retries',
      'resilience.timeout.trickle-cut-off',
      'chaos.workload.replica-hangs',
    ],
    mutate: (intents) => mapRules(intents, (rule) => without(rule, 'timeoutMs')),
  },
  'timeout-premature': {
    description: 'Route timeouts are rendered at a quarter of their value: responses in time are cut off.',
    catches: ['resilience.timeout.no-premature-timeout', 'resilience.timeout.trickle-cut-off'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.timeoutMs === undefined ? rule : { ...rule, timeoutMs: Math.round(rule.timeoutMs / 4) },
      ),
  },
  'fault-rate-doubled': {
    description: 'Fault percentages are doubled: 10% aborts become 20%.',
    catches: ['resilience.fault.abort-percentage', 'resilience.fault.delay-percentage'],
    mutate: (intents) =>
      mapRules(intents, (rule) => {
        if (!rule.fault) return rule;
        const double = (p: number) => Math.min(100, p * 2);
        const { abort, delay } = rule.fault;
        return {
          ...rule,
          fault: {
            ...(abort ? { abort: { ...abort, percent: double(abort.percent) } } : {}),
            ...(delay ? { delay: { ...delay, percent: double(delay.percent) } } : {}),
          },
        };
      }),
  },
  'fault-ignored': {
    description: 'Fault injection is not rendered.',
    catches: [
      'resilience.fault.abort-percentage',
      'resilience.fault.abort-all',
      'resilience.fault.delay-percentage',
      'resilience.fault.header-scoped',
    ],
    mutate: (intents) => mapRules(intents, (rule) => without(rule, 'fault')),
  },
  'fault-unscoped': {
    description:
      'A fault on a header-matched rule is applied to every rule of the route, not only matching requests.',
    catches: ['resilience.fault.header-scoped', 'resilience.fault.delay-percentage'],
    mutate: (intents) =>
      mapRules(intents, (rule, route) => {
        const fault = route.rules.find((r) => r.fault && isHeaderScoped(r))?.fault;
        // Convergence probes keep their own rule, so that the check still measures.
        return fault && !rule.fault && !isProbeRule(rule) ? { ...rule, fault } : rule;
      }),
  },
  'connection-limit-ignored': {
    description: 'Connection pool limits are not rendered: overflow queues instead of being shed.',
    catches: ['resilience.circuit.connection-overflow', 'resilience.circuit.connection-limit-per-service'],
    mutate: (intents) => intents.filter((i) => i.kind !== 'ConnectionLimit'),
  },
  'outlier-ignored': {
    description: 'Outlier detection is not rendered: a failing endpoint stays in rotation.',
    catches: ['resilience.circuit.outlier-ejection', 'resilience.circuit.outlier-recovery'],
    mutate: (intents) => intents.filter((i) => i.kind !== 'OutlierDetection'),
  },
  'ratelimit-ignored': {
    description: 'Local rate limits are not rendered: bursts go through.',
    catches: ['resilience.ratelimit.local'],
    mutate: (intents) => intents.filter((i) => i.kind !== 'RateLimit'),
  },
  // Security and routing near misses (renderer defects unless they bend intents).
  'mtls-any-ca': {
    description:
      "The server sidecar accepts client certificates from any CA (chain errors ignored, like Envoy's ACCEPT_UNTRUSTED): a certificate with the client's SPIFFE ID from another CA passes as the client.",
    catches: ['security.mtls.strict-rejects-impostors', 'security.mtls.permissive-impostors-unidentified'],
  },
  'mtls-client-cert-optional': {
    description:
      'The server sidecar accepts TLS connections without a client certificate: under STRICT, a caller with no identity is served.',
    catches: ['security.mtls.strict-rejects-impostors'],
  },
  'mtls-expiry-ignored': {
    description:
      "The server sidecar ignores the client certificate's expiry: a stale certificate of the mesh CA still identifies its holder.",
    catches: ['security.mtls.strict-rejects-impostors', 'security.mtls.permissive-impostors-unidentified'],
  },
  'xfcc-passthrough-plaintext': {
    description:
      'The server sidecar passes a caller-supplied X-Forwarded-Client-Cert through from a plaintext caller: the app sees a forged identity.',
    catches: ['security.authz.forged-identity-header'],
  },
  'identity-from-xfcc': {
    description:
      "Without a peer certificate, access policy takes the caller identity from the request's X-Forwarded-Client-Cert: a plaintext caller is granted what it claims to be.",
    catches: ['security.authz.forged-identity-header'],
  },
  'authz-identity-ignored-with-request-match': {
    description:
      'An access rule that also matches on the method or path drops its identity condition: any caller gets what only the listed one may.',
    catches: ['security.authz.method-and-path', 'security.authz.forged-identity-header'],
    mutate: (intents) =>
      intents.map((i) =>
        i.kind === 'AccessPolicy'
          ? {
              ...i,
              rules: i.rules.map((r) => (r.methods || r.pathPrefixes ? without(r, 'from') : r)),
            }
          : i,
      ),
  },
  'authz-prefix-no-segment-boundary': {
    description:
      'Path prefixes match as plain string prefixes: /api lets /apiary and /api%2Fitems in, and /public/ no longer takes /public.',
    catches: ['security.authz.path-prefix-boundary'],
  },
  'authz-path-case-insensitive': {
    description: 'Path prefixes match regardless of case: /API/items passes a rule for /api.',
    catches: ['security.authz.path-prefix-boundary'],
  },
  'path-not-normalized': {
    description:
      'Authorization matches the raw path, which the app receives unnormalized: /public/../admin/users and /public/%2e%2e/admin/users pass a rule that opens only /public.',
    catches: ['security.authz.normalized-path'],
  },
  'header-match-prefix': {
    description: 'Header routing matches a prefix of the value: x-version: v2-beta is routed as v2.',
    catches: ['traffic.routing.header-match'],
  },
  'header-match-substring': {
    description:
      'Header routing matches the value anywhere in the header: x-version: canary-v2 is routed as v2.',
    catches: ['traffic.routing.header-match'],
  },
  'header-match-case-insensitive': {
    description: 'Header routing compares values regardless of case: x-version: V2 is routed as v2.',
    catches: ['traffic.routing.header-match'],
  },
  'route-timeout-per-attempt': {
    description:
      "The route timeout is rendered as haproxy's per-attempt timeout, as the reference mesh did: it restarts with every retry, and next to a per-try timeout only the per-try one is rendered.",
    catches: ['resilience.timeout.bounds-retries'],
  },
  'route-timeout-idle': {
    description:
      'The route timeout only bounds silence (an inactivity timeout, as the reference mesh had): a response that trickles is never cut off.',
    catches: ['resilience.timeout.trickle-cut-off'],
  },
  'connection-limit-per-endpoint': {
    description:
      'Connection pool limits apply per endpoint and overflow waits in a queue for 2 s before a 503, as the reference mesh did (haproxy maxconn/maxqueue per server).',
    catches: ['resilience.circuit.connection-overflow', 'resilience.circuit.connection-limit-per-service'],
  },
  'per-try-timeout-premature': {
    description:
      'Per-try timeouts are rendered at a tenth of their value (read in the wrong unit): attempts that answer in time are retried.',
    catches: ['resilience.retries.per-try-timeout'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.retries?.perTryTimeoutMs === undefined
          ? rule
          : { ...rule, retries: { ...rule.retries, perTryTimeoutMs: rule.retries.perTryTimeoutMs / 10 } },
      ),
  },
  'timeout-status-503': {
    description: 'A request cut off by the route timeout is answered 503 instead of 504.',
    catches: ['resilience.timeout.route-timeout', 'resilience.timeout.bounds-retries'],
  },
  'fault-abort-status-fixed': {
    description: 'Abort faults answer 503 whatever status they are configured with.',
    catches: ['resilience.fault.abort-all'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.fault?.abort
          ? { ...rule, fault: { ...rule.fault, abort: { ...rule.fault.abort, status: 503 } } }
          : rule,
      ),
  },
  'fault-abort-after-upstream': {
    description:
      'Abort faults replace the answer instead of stopping the request: the app sees (and acts on) every aborted request.',
    catches: ['resilience.fault.abort-all', 'resilience.fault.abort-percentage'],
  },
  'retry-on-client-errors': {
    description: 'Retries on 5xx also retry client errors (404), which a retry cannot mend.',
    catches: ['resilience.retries.attempts-honoured'],
  },
  'weights-zero-served': {
    description:
      'A backend of weight 0 is rendered with weight 1 (a floor some meshes apply): it still gets about 1% of the requests.',
    catches: ['traffic.weights.zero-weight'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.backends.length > 1 && rule.backends.some((b) => b.weight === 0)
          ? { ...rule, backends: rule.backends.map((b) => (b.weight === 0 ? { ...b, weight: 1 } : b)) }
          : rule,
      ),
  },
  'ratelimit-per-worker': {
    description:
      'The local rate limit keeps one token bucket per worker thread (two here) instead of one per proxy: twice the budget gets through.',
    catches: ['resilience.ratelimit.local'],
    mutate: (intents) =>
      intents.map((i) => (i.kind === 'RateLimit' ? { ...i, requestsPerSecond: i.requestsPerSecond * 2 } : i)),
  },
  'outlier-ejection-permanent': {
    description:
      'An ejected endpoint never comes back (its ejection time is read as an hour): a brief failure takes it out for good.',
    catches: ['resilience.circuit.outlier-recovery'],
    mutate: (intents) =>
      intents.map((i) => (i.kind === 'OutlierDetection' ? { ...i, baseEjectionMs: 3_600_000 } : i)),
  },
  'fault-delay-shortened': {
    description: 'Delay faults are rendered at half their duration (a unit or rounding slip).',
    catches: ['resilience.fault.delay-percentage'],
    mutate: (intents) =>
      mapRules(intents, (rule) =>
        rule.fault?.delay
          ? { ...rule, fault: { ...rule.fault, delay: { ...rule.fault.delay, ms: rule.fault.delay.ms / 2 } } }
          : rule,
      ),
  },
  'jwt-audience-ignored': {
    description:
      'The JWT rule ignores the audience: a token the issuer made for another service (another aud) is admitted.',
    catches: ['security.jwt.invalid-token-refused', 'security.jwt.principal-required'],
  },
  'jwt-expiry-ignored': {
    description: 'The JWT rule does not read exp: a token that expired ten minutes ago is admitted.',
    catches: ['security.jwt.invalid-token-refused', 'security.jwt.principal-required'],
  },
  'jwt-issuer-ignored': {
    description:
      'The JWT rule does not compare iss: a token signed with a key of the JWKS but naming another issuer (the issuer with a suffix) is admitted.',
    catches: ['security.jwt.invalid-token-refused'],
  },
  'jwt-alg-from-token': {
    description:
      "The signature is verified with the algorithm the token's header names (haproxy's documented example without its alg check): an alg none token with an empty signature is admitted.",
    catches: ['security.jwt.invalid-token-refused'],
  },
  'jwt-signature-unchecked': {
    description:
      'The JWT rule reads the claims but never verifies the signature: tokens signed by a key not in the JWKS, or changed after signing, are admitted.',
    catches: ['security.jwt.invalid-token-refused'],
  },
  'jwt-token-forwarded': {
    description:
      'The verified token is passed on to the app (as with forwardOriginalToken: true), where Istio removes it by default.',
    catches: [
      'security.jwt.valid-token-admitted',
      'security.jwt.principal-required',
      'security.jwt.access-by-claim',
    ],
  },
  'jwt-claim-headers-dropped': {
    description:
      'The claims the RequestAuthentication names (outputClaimToHeaders) are not copied to headers for the app.',
    catches: [
      'security.jwt.valid-token-admitted',
      'security.jwt.principal-required',
      'security.jwt.access-by-claim',
    ],
  },
  'jwt-principal-missing-allowed': {
    description:
      'A rule requiring a request principal is met by a request without a token (checked only when a token is there), so RequestAuthentication alone decides.',
    catches: ['security.jwt.principal-required'],
  },
  'jwt-claim-prefix': {
    description:
      'Claim conditions match by prefix: a token with groups [admins-readonly] meets a rule requiring groups admins.',
    catches: ['security.jwt.access-by-claim'],
  },
  'jwt-audience-array-unread': {
    description:
      'Only a string aud is read: a valid token whose aud is a list naming the server among others is refused 401.',
    catches: ['security.jwt.valid-token-admitted'],
  },
  // Ingress gateway near misses (renderer defects of render-ingress-gateway.ts, unless they bend intents).
  'ingress-certificate-other-host': {
    description:
      "The gateway serves another host's certificate (from the right CA) for every SNI, as with a Gateway whose credentialName names another host's Secret: a client checking the name refuses it, and an SNI the gateway does not serve is accepted.",
    catches: ['traffic.ingress.tls-host-certificate', 'traffic.ingress.unknown-host-refused'],
  },
  'ingress-certificate-foreign-ca': {
    description:
      "The gateway serves a certificate for the host signed by a CA the clients do not trust (a self-made or another environment's CA).",
    catches: ['traffic.ingress.tls-host-certificate'],
  },
  'ingress-certificate-expired': {
    description:
      "The gateway serves the host's certificate from the right CA after it expired (a Secret nobody renewed).",
    catches: ['traffic.ingress.tls-host-certificate'],
  },
  'ingress-default-certificate': {
    description:
      "The gateway answers a ClientHello for a name it does not serve, or without SNI, with the host's certificate as a default, where Istio's SNI filter chain match closes the connection.",
    catches: ['traffic.ingress.unknown-host-refused'],
  },
  'ingress-unknown-host-default-backend': {
    description:
      'The gateway routes requests for any Host to the service (a catch-all virtual host), and redirects any Host: an unknown host reaches the app instead of 404.',
    catches: ['traffic.ingress.unknown-host-refused'],
  },
  'ingress-host-case-sensitive': {
    description:
      'The gateway matches the Host case-sensitively: Ingress.MeshProof.TEST, the same host (DNS names ignore case), is answered 404.',
    catches: ['traffic.ingress.host-and-path-routing'],
  },
  'ingress-host-port-unmatched': {
    description:
      "The gateway compares the whole Host header, port included: ingress.meshproof.test:443 is answered 404, where Istio's gateway routes ignore the port.",
    catches: ['traffic.ingress.host-and-path-routing'],
  },
  'ingress-prefix-no-segment-boundary': {
    description:
      'The gateway matches path prefixes as plain string prefixes: /apiary is routed by the rule for /api.',
    catches: ['traffic.ingress.host-and-path-routing'],
  },
  'ingress-path-case-insensitive': {
    description:
      'The gateway matches path prefixes regardless of case: /API/items is routed by the rule for /api.',
    catches: ['traffic.ingress.host-and-path-routing'],
  },
  'ingress-no-https-redirect': {
    description:
      'httpsRedirect is not rendered: plain HTTP to the host is routed to the app (serves HTTP) instead of redirected.',
    catches: ['traffic.ingress.https-redirect'],
    mutate: (intents) =>
      intents.map((i) => (i.kind === 'IngressGateway' ? { ...i, httpsRedirect: false } : i)),
  },
  'ingress-redirect-http-scheme': {
    description: 'The redirect names http:// (a loop that never reaches TLS).',
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-redirect-listener-port': {
    description:
      "The redirect names the HTTPS listener's own port (as a gateway building it from its container port, 8443 behind a Service's 443), not the Host as sent.",
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-redirect-path-dropped': {
    description: 'The redirect sends every request to https://<host>/, losing its path and query.',
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-redirect-302': {
    description:
      "The redirect is 302 Found (Gateway API RequestRedirect's default when statusCode is left out), not the 301 Istio's httpsRedirect renders.",
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-redirect-wrong-host': {
    description:
      "The redirect names the gateway's own in-cluster host (ingress-gateway.meshproof.svc.cluster.local) instead of the Host as sent, as a redirect built from the proxy's own name.",
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-redirect-308': {
    description:
      'The redirect is 308 Permanent Redirect, not the 301 Istio renders: the client sends the POST and its body again, to the HTTPS URL.',
    catches: ['traffic.ingress.https-redirect'],
  },
  'ingress-gateway-plaintext-upstream': {
    description:
      'The gateway reaches the server in plaintext (not a mesh member): STRICT refuses it and the app would see no identity.',
    catches: ['traffic.ingress.gateway-identity'],
  },
  'metrics-retries-counted': {
    description:
      "The caller's proxy counts every attempt as a request (1 + its retries), as a stats filter on the upstream side would: a request retried twice is counted 3 times by reporter source.",
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-5xx-dropped': {
    description: 'Responses with a 5xx status are not counted (by either reporter).',
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-5xx-as-2xx': {
    description: 'Responses with a 5xx status are counted under response code 200.',
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-source-namespace': {
    description:
      "The server's proxy takes the source workload from the namespace segment of the peer's SPIFFE ID (spiffe://td/ns/NS/sa/SA): every caller is counted as `meshproof`.",
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-destination-first-endpoint': {
    description:
      "The caller's proxy labels every request with the service's first endpoint as destination workload, not the endpoint that answered: v2's requests are counted as v1's.",
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-reset-on-scrape': {
    description:
      'The exporter clears its counters after each scrape (delta semantics): a counter no longer counts since the proxy started.',
    catches: ['observability.metrics.request-counts'],
  },
  'metrics-latency-seconds': {
    description:
      'Durations are recorded in seconds into the millisecond histogram: every request lands in the first bucket.',
    catches: ['observability.metrics.latency-buckets'],
  },
  'metrics-latency-bucket-below': {
    description:
      'A duration is filed one bucket low (the bound below it, not the first bound at or above it): 40 ms is counted under le=25.',
    catches: ['observability.metrics.latency-buckets'],
  },
  'egress-allow-any-fallback': {
    description:
      'Registry-only egress falls back to allow-any (the namespace Sidecar not applied, the mesh default ALLOW_ANY in force): destinations no ServiceEntry names pass through to the address dialled.',
    // Look-alike hosts pass through too; one check suffices (its probe never confirms, which costs the gate).
    catches: ['security.egress.unlisted-host-refused'],
  },
  'egress-host-suffix': {
    description:
      'The egress allow-list matches the Host by suffix (a wildcard without its dot): evilext.example and api.ext.example reach ext.example.',
    catches: ['security.egress.lookalike-host-refused'],
  },
  'egress-host-prefix': {
    description: 'The egress allow-list matches the Host by prefix: ext.example.evil reaches ext.example.',
    catches: ['security.egress.lookalike-host-refused'],
  },
  'egress-port-ignored': {
    description:
      'The egress allow-list is keyed by host alone: ext.example is reached on a port no ServiceEntry declares.',
    catches: ['security.egress.unlisted-host-refused'],
  },
  'egress-host-header-trusted': {
    description:
      'An allowed Host is forwarded to the address the app dialled (resolution NONE, an ORIGINAL_DST cluster): Host ext.example sent to the forbidden host reaches the forbidden host.',
    catches: ['security.egress.host-header-not-trusted'],
  },
  'egress-catch-all-host': {
    description:
      "The allowed host's virtual host also takes every unknown Host on its port (domain *): a forbidden name is answered 200 by ext.example instead of refused.",
    // forbidden.example is answered by ext.example too; one check suffices.
    catches: ['security.egress.lookalike-host-refused'],
  },
  'egress-host-case-sensitive': {
    description:
      'The egress allow-list compares the Host case-sensitively: Host EXT.Example (the same DNS name) is refused.',
    catches: ['security.egress.allowed-host-reached'],
  },
  'egress-host-port-kept': {
    description:
      'The egress allow-list compares the Host with its port: Host ext.example:<port>, the allowed host on its own port, is refused.',
    catches: ['security.egress.allowed-host-reached'],
  },
  'egress-service-entry-unexported': {
    description:
      "The ServiceEntry never reaches the callers' sidecars (exported to another namespace): registry-only egress refuses the allowed host too.",
    catches: ['security.egress.allowed-host-reached'],
  },
  'egress-policy-one-workload': {
    description:
      'Registry-only egress applies to one workload only (a Sidecar selecting the client): the frontend, in the same namespace, still reaches any destination.',
    catches: ['security.egress.unlisted-host-refused'],
  },
  'route-timeout-connect-only': {
    description:
      'The route timeout is rendered as a connect timeout only: a server that accepts the connection and then says nothing (a paused process, whose kernel still accepts) is waited for, as is a slow one.',
    catches: ['chaos.workload.replica-hangs', 'resilience.timeout.route-timeout'],
  },
  'reload-hard-restart': {
    description:
      'A configuration change is applied by stopping the sidecar and starting a new one (Envoy restarted instead of hot-restarted; haproxy without its master-worker reload, which hands the listening sockets to the new worker): connections are refused until it listens again, and requests in flight are cut.',
    catches: ['chaos.config.hitless-route-change'],
    unrenderedEffect:
      'how the control plane hands a new configuration to a running sidecar (stop and start instead of a hitless reload); the configuration itself is the same',
  },
  'restarted-proxy-baseline': {
    description:
      "A killed sidecar is restarted on the mesh's baseline configuration (PERMISSIVE, no access policy) instead of the one in force, until the next change: for a while after the restart plaintext and unlisted callers are admitted (fail open).",
    catches: ['chaos.proxy.server-proxy-restart-keeps-policy'],
    unrenderedEffect:
      'which configuration file a restarted sidecar starts on; what the mesh renders for the check is the same',
  },
} as const satisfies Record<string, DefectDefinition>;

export type ReferenceDefect = keyof typeof referenceDefects;

export const referenceDefectNames = Object.keys(referenceDefects) as ReferenceDefect[];

/** True when a string names a known defect. */
export function isReferenceDefect(name: string): name is ReferenceDefect {
  return Object.hasOwn(referenceDefects, name);
}

function isProbeRule(rule: RouteRule): boolean {
  return Object.keys(rule.matchHeaders ?? {}).includes('x-meshproof-probe');
}

function isHeaderScoped(rule: RouteRule): boolean {
  return rule.matchHeaders !== undefined && !isProbeRule(rule);
}

/** The intents as a mesh carrying these defects would (wrongly) enforce them (pure). */
export function applyDefects(intents: readonly Intent[], defects: ReadonlySet<ReferenceDefect>): Intent[] {
  let result = [...intents];
  for (const name of referenceDefectNames) {
    const defect: DefectDefinition = referenceDefects[name];
    if (defects.has(name) && defect.mutate) result = defect.mutate(result);
  }
  return result;
}

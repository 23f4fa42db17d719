import type { EgressTarget } from './egress.ts';
import type { CallerName, ForgedCredential, ServiceName, Version } from './topology.ts';

/** Instructions for the echo fixture, sent as request headers. */
export interface EchoSteering {
  /** Answer with this status. */
  readonly status?: number;
  /** Delay the answer by this many ms (only attempts 1..delayAttempts when that is set). */
  readonly delayMs?: number;
  readonly delayAttempts?: number;
  /** Fail attempts 1..failAttempts of the request id with failStatus (default 503). */
  readonly failAttempts?: number;
  readonly failStatus?: number;
  /** Pad the reply with this many bytes. */
  readonly payloadBytes?: number;
  /** Send the headers at once and spread the body over this many ms (a trickling response). */
  readonly trickleMs?: number;
  /** Instances of these versions answer failStatus (default 503) on every attempt. */
  readonly failVersions?: readonly string[];
}

/**
 * A share of a plan's requests that carries extra headers: request i belongs to
 * `arms[i % arms.length]`, so the arms interleave on the same connections and see the same load.
 * A check compares them (a control arm), e.g. a fault scoped to a header against no fault.
 */
export interface TrafficArm {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One batch of requests sent as a named caller to a service. */
export interface TrafficPlan {
  readonly caller: CallerName;
  readonly service: ServiceName;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly echo?: EchoSteering;
  readonly requests: number;
  /** Requests in flight at once (closed loop). Default 8. */
  readonly concurrency?: number;
  /** Client-side timeout of one request. Default: the named timeout `requestMs`. */
  readonly timeoutMs?: number;
  /** Look up how often the server apps saw each request (the echo ledger) after sending. */
  readonly ledger?: boolean;
  /**
   * The `outsider` speaks TLS to the server workloads itself, presenting this credential, instead
   * of plaintext. Only for the outsider: meshed callers always present their own identity.
   */
  readonly presents?: ForgedCredential;
  /** Interleaved arms (added to `headers`); observations name their arm. */
  readonly arms?: readonly TrafficArm[];
  /** A JWT the driver mints for this plan and sends as `Authorization: Bearer …` (see `BearerToken`). */
  readonly bearer?: BearerToken;
  /** The request body (sent as is; none when absent). */
  readonly body?: string;
  /**
   * The request goes to the run's ingress gateway from outside (the caller must be `outsider`),
   * not to the service: `service` names where the gateway should send it (for the ledger).
   */
  readonly ingress?: IngressRequest;
  /**
   * A request to a destination outside the mesh instead of to `service`: the caller dials the
   * fixture's address with this Host header (see `EgressTarget`).
   */
  readonly egress?: EgressTarget;
}

/**
 * How an outside client reaches the ingress gateway: the scheme (its HTTPS or its HTTP port), the
 * Host header, and for HTTPS the SNI and how the gateway's certificate is checked.
 */
export interface IngressRequest {
  readonly scheme: 'https' | 'http';
  /** The Host header, as sent. */
  readonly host: string;
  /** The SNI (https): default the Host without its port; null sends none. */
  readonly sni?: string | null;
  /**
   * `harness-ca` (default): the certificate must chain to the harness's CA and name the SNI, as a
   * browser checks it; `none`: anything is accepted (a scanner; to see whether a handshake happens).
   */
  readonly verify?: 'harness-ca' | 'none';
}

/** The issuer whose JWKS the `jwks` fixture serves, and the audience of the server's tokens. */
export const jwtIssuer = 'https://issuer.meshproof.test';
export const jwtAudience = 'meshproof-server';

/**
 * A token the harness mints (RS256, with the `jose` library) for a plan. Every field names what a
 * near miss changes: another issuer or audience, an expiry in the past, a key not in the JWKS, no
 * signature at all (`alg: none`), a payload changed after signing.
 */
export interface BearerToken {
  readonly subject: string;
  /** `iss`; default {@link jwtIssuer}. */
  readonly issuer?: string;
  /** `aud`; default {@link jwtAudience}. */
  readonly audience?: string | readonly string[];
  /** `exp` relative to now, in seconds; default one hour. Negative: already expired. */
  readonly expiresInS?: number;
  /** Further claims. */
  readonly claims?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * `jwks-key` (default): signed with the issuer's key the JWKS holds; `unknown-key`: with a key
   * of the same kind the JWKS does not hold; `none`: `alg: none`, empty signature; `tampered`:
   * signed, then its payload replaced (subject `admin`), the signature kept.
   */
  readonly signing?: 'jwks-key' | 'unknown-key' | 'none' | 'tampered';
}

/** A plan that may be extended batch by batch until the judge decides (sequential sampling). */
export interface SampledPlan {
  readonly plan: TrafficPlan;
  readonly batchSize: number;
  readonly maxRequests: number;
}

/** How a request ended, as the client saw it. Connection errors are outcomes, not exceptions. */
export type Outcome = 'response' | 'reset' | 'refused' | 'timeout' | 'tls-failure' | 'error';

/** The caller identity the mesh presented to the server app. */
export interface PresentedIdentity {
  readonly header: string;
  readonly value: string;
}

/** One request as observed by the client and, where it reached it, the echo server. */
export interface Observation {
  readonly requestId: string;
  /** The plan's arm this request belonged to, when the plan has arms. */
  readonly arm?: string;
  /**
   * How the request ended. A response whose body was cut off after its headers arrived is not a
   * `response` (it is a `reset`, a `timeout`, ...), but keeps the `status` of those headers.
   */
  readonly outcome: Outcome;
  readonly status?: number;
  /** When the request was sent, in ms since its batch started. */
  readonly sentAtMs?: number;
  /** From sending to the end of the response (or of the attempt to get one). */
  readonly latencyMs: number;
  /** From sending to the response headers, when headers arrived. */
  readonly headersMs?: number;
  /** Version and instance of the echo server that answered, when the echo answered. */
  readonly servedBy?: {
    readonly version: Version;
    readonly instance: string;
    /** The service the answering echo says it backs (`server`, `external-ext`, …). */
    readonly service?: string;
  };
  /** Attempt number the answering echo saw for this request id. */
  readonly attempt?: number;
  /** Identity the answering echo saw; null when none was presented. */
  readonly identity?: PresentedIdentity | null;
  /** The request target (path and query) the answering echo received, after the mesh. */
  readonly path?: string;
  /** Times the server apps saw this request id in all (from the ledger, when requested). */
  readonly serverAttempts?: number;
  /** Selected response headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request headers the answering echo received that the mesh may add or remove (see `APP_HEADER_PREFIXES`). */
  readonly appHeaders?: Readonly<Record<string, string>>;
  readonly errorDetail?: string;
}

/** True when the client got a 2xx response. */
export function isSuccess(o: Observation): boolean {
  return o.outcome === 'response' && o.status !== undefined && o.status >= 200 && o.status < 300;
}

/** Counts of observations by a key, e.g. status or serving version. */
export function countBy<K extends string | number>(
  observations: readonly Observation[],
  key: (o: Observation) => K,
): Map<K, number> {
  const counts = new Map<K, number>();
  for (const o of observations) {
    const k = key(o);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** "200 ×18, reset ×2": a compact description of how requests ended. */
export function describeOutcomes(observations: readonly Observation[]): string {
  if (observations.length === 0) return 'no requests';
  const counts = countBy(observations, (o) => (o.outcome === 'response' ? String(o.status) : o.outcome));
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');
}

/** "v1 ×30, v2 ×28, status 503 ×2": who served each request, or how it failed. */
export function describeServedBy(observations: readonly Observation[]): string {
  const counts = countBy(observations, (o) =>
    isSuccess(o) ? (o.servedBy?.version ?? 'unknown') : `status ${o.status ?? o.outcome}`,
  );
  return [...counts.entries()].map(([k, n]) => `${k} ×${n}`).join(', ');
}

/** "3 attempts ×18, 4 attempts ×2": how often the server apps saw each request (needs the ledger). */
export function describeAttempts(observations: readonly Observation[]): string {
  const counts = countBy(observations, (o) => o.serverAttempts ?? 0);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([attempts, n]) => `${attempts} attempt${attempts === 1 ? '' : 's'} ×${n}`)
    .join(', ');
}

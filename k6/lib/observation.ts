/**
 * Turns one k6 HTTP response into the harness's Observation, and observations into the lines
 * k6 prints for the harness to read back. Pure and free of k6 imports, so that k6 runs it in
 * the caller pods and vitest tests it here; the builtin driver produces the same shape.
 */

/** The part of a k6 `http.Response` the harness reads. */
export interface K6ResponseLike {
  readonly status: number;
  readonly body: string | null | ArrayBuffer;
  readonly error: string;
  readonly error_code: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly timings: {
    readonly duration: number;
    readonly connecting: number;
    readonly tls_handshaking: number;
  };
}

/** How a request ended; the same vocabulary as lib/model Outcome. */
export type K6Outcome = 'response' | 'reset' | 'refused' | 'timeout' | 'tls-failure' | 'error';

/** An Observation as k6 reports it (lib/model/traffic.ts Observation, JSON form). */
export interface K6Observation {
  readonly requestId: string;
  /** The plan's arm (lib/model TrafficArm) this request belonged to. */
  readonly arm?: string;
  readonly outcome: K6Outcome;
  readonly status?: number;
  readonly sentAtMs: number;
  readonly latencyMs: number;
  readonly servedBy?: { readonly version: string; readonly instance: string; readonly service?: string };
  readonly attempt?: number;
  readonly identity?: { readonly header: string; readonly value: string } | null;
  /** The request target the echo received (after the mesh). */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Request headers the echo received that a mesh adds or removes (bearer token, claim headers). */
  readonly appHeaders?: Readonly<Record<string, string>>;
  readonly errorDetail?: string;
}

/**
 * The names (prefixes) of {@link K6Observation.appHeaders}: fixtures/echo/echo-protocol.ts
 * `APP_HEADER_PREFIXES`, repeated because k6 loads only k6/ (a test keeps the two equal).
 */
export const appHeaderPrefixes: readonly string[] = ['authorization', 'x-jwt-'];

function appHeadersOfEcho(headers: unknown): Record<string, string> {
  const picked: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return picked;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (typeof value === 'string' && appHeaderPrefixes.some((p) => lower.startsWith(p)))
      picked[lower] = value;
  }
  return picked;
}

/** Prefix of the lines that carry observations in k6's console output. */
export const observationLinePrefix = 'MESHPROOF_OBSERVATION ';

/**
 * k6 error codes (k6 lib/netext/httpext/error_codes.go) by how the request ended: 1050 request
 * timeout, 1211 dial timeout, 1212 dial refused, 1201 broken pipe, 1220 reset by peer,
 * 13xx TLS.
 */
export function outcomeOfErrorCode(code: number, message: string): K6Outcome {
  if (code === 0) return 'response';
  if (code === 1050 || code === 1211) return 'timeout';
  if (code === 1212) return 'refused';
  if (code === 1201 || code === 1220) return 'reset';
  if (code >= 1300 && code < 1400) return 'tls-failure';
  // A peer that closes without answering surfaces as a generic error whose message says so.
  if (/EOF|connection reset|broken pipe|server closed/i.test(message)) return 'reset';
  return 'error';
}

function parseEcho(body: K6ResponseLike['body']): Record<string, unknown> | undefined {
  if (typeof body !== 'string' || !body.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The observation of one request (pure). */
export function observationFrom(
  response: K6ResponseLike,
  requestId: string,
  sentAtMs: number,
): K6Observation {
  const latencyMs =
    response.timings.duration + response.timings.connecting + response.timings.tls_handshaking;
  const outcome = outcomeOfErrorCode(response.status === 0 ? response.error_code || 1000 : 0, response.error);
  if (outcome !== 'response') {
    return { requestId, outcome, sentAtMs, latencyMs, errorDetail: response.error };
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  const echo = parseEcho(response.body);
  const base = { requestId, outcome, status: response.status, sentAtMs, latencyMs, headers };
  if (!echo || typeof echo.version !== 'string' || typeof echo.instance !== 'string') return base;
  const identity = echo.identity as { header?: unknown; value?: unknown } | null | undefined;
  const appHeaders = appHeadersOfEcho(echo.headers);
  return {
    ...base,
    servedBy: {
      version: echo.version,
      instance: echo.instance,
      ...(typeof echo.service === 'string' ? { service: echo.service } : {}),
    },
    ...(typeof echo.attempt === 'number' ? { attempt: echo.attempt } : {}),
    ...(typeof echo.path === 'string' ? { path: echo.path } : {}),
    identity:
      identity && typeof identity.header === 'string' && typeof identity.value === 'string'
        ? { header: identity.header, value: identity.value }
        : null,
    ...(Object.keys(appHeaders).length > 0 ? { appHeaders } : {}),
  };
}

/** One console line per observation: the prefix, then compact JSON. */
export function encodeObservation(observation: K6Observation): string {
  return `${observationLinePrefix}${JSON.stringify(observation)}`;
}

/** Reads observations back from k6's raw console output; other lines are ignored. */
export function decodeObservations(output: string): K6Observation[] {
  const observations: K6Observation[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf(observationLinePrefix);
    if (at < 0) continue;
    observations.push(JSON.parse(line.slice(at + observationLinePrefix.length)) as K6Observation);
  }
  return observations;
}

import type { Outcome } from '../model/index.ts';

const byCode: Readonly<Record<string, Outcome>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  // The client refused the server's certificate (Node's names of OpenSSL's X509_V_ERR_*).
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls-failure',
  CERT_HAS_EXPIRED: 'tls-failure',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'tls-failure',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'tls-failure',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls-failure',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls-failure',
};

/**
 * Maps a client error to how the request ended. Connection-level failures are outcomes a
 * check judges (a STRICT sidecar resets plaintext), not exceptions.
 */
export function classifyClientError(error: unknown): Outcome {
  const e = error as { code?: string; name?: string; message?: string; cause?: unknown };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timeout';
  if (e?.code && byCode[e.code]) return byCode[e.code] as Outcome;
  if (e?.code?.startsWith('ERR_SSL') || e?.code?.startsWith('ERR_TLS') || /SSL|TLS/.test(e?.message ?? '')) {
    return 'tls-failure';
  }
  if (e?.cause && e.cause !== error) return classifyClientError(e.cause);
  return 'error';
}

import { describe, expect, it } from 'vitest';
import {
  decodeObservations,
  encodeObservation,
  type K6ResponseLike,
  observationFrom,
  outcomeOfErrorCode,
} from './observation.ts';
import { parseK6Plan } from './plan.ts';

const timings = { duration: 4, connecting: 1, tls_handshaking: 0 };
const echoBody = JSON.stringify({
  service: 'server',
  version: 'v2',
  instance: 'server-v2-abc',
  attempt: 3,
  path: '/public/status?x=1',
  identity: {
    header: 'l5d-client-id',
    value: 'client.meshproof.serviceaccount.identity.linkerd.cluster.local',
  },
  headers: {},
});

const response = (overrides: Partial<K6ResponseLike>): K6ResponseLike => ({
  status: 200,
  body: echoBody,
  error: '',
  error_code: 0,
  headers: { 'Content-Type': 'application/json', 'X-Echo-Version': 'v2' },
  timings,
  ...overrides,
});

describe('observationFrom', () => {
  it('reads the echo reply: service, version, instance, attempt, the path it received and the identity the mesh presented', () => {
    expect(observationFrom(response({}), 'p.0', 12)).toEqual({
      requestId: 'p.0',
      outcome: 'response',
      status: 200,
      sentAtMs: 12,
      latencyMs: 5,
      headers: { 'content-type': 'application/json', 'x-echo-version': 'v2' },
      servedBy: { version: 'v2', instance: 'server-v2-abc', service: 'server' },
      attempt: 3,
      path: '/public/status?x=1',
      identity: {
        header: 'l5d-client-id',
        value: 'client.meshproof.serviceaccount.identity.linkerd.cluster.local',
      },
    });
  });

  it('keeps a proxy-generated answer (Envoy 403 text, Linkerd empty 403) without an echo part', () => {
    for (const body of ['RBAC: access denied', '', null]) {
      const o = observationFrom(response({ status: 403, body }), 'p.1', 0);
      expect(o).toMatchObject({ outcome: 'response', status: 403 });
      expect(o.servedBy).toBeUndefined();
    }
  });

  it.each([
    [1220, 'write: connection reset by peer', 'reset'],
    [1201, 'write: broken pipe', 'reset'],
    [1000, 'EOF', 'reset'],
    [1212, 'dial: connection refused', 'refused'],
    [1050, 'request timeout', 'timeout'],
    [1211, 'dial: i/o timeout', 'timeout'],
    [1310, 'x509: certificate signed by unknown authority', 'tls-failure'],
    [1100, 'lookup failed', 'error'],
  ])('maps k6 error %i (%s) to %s', (code, message, outcome) => {
    expect(outcomeOfErrorCode(code, message)).toBe(outcome);
    const o = observationFrom(
      response({ status: 0, error_code: code, error: message, body: null }),
      'p.2',
      0,
    );
    expect(o).toMatchObject({ outcome, errorDetail: message });
    expect(o.status).toBeUndefined();
  });
});

describe('observation lines', () => {
  it('round-trip through k6 raw console output, ignoring other lines', () => {
    const a = observationFrom(response({}), 'p.0', 1);
    const b = observationFrom(
      response({ status: 0, error_code: 1212, error: 'refused', body: null }),
      'p.1',
      2,
    );
    const output = ['some k6 warning', encodeObservation(a), '', encodeObservation(b), 'done'].join('\n');
    expect(decodeObservations(output)).toEqual([a, b]);
  });
});

describe('parseK6Plan', () => {
  const good = {
    url: 'http://server.meshproof.svc.cluster.local/api',
    method: 'GET',
    headers: {},
    requests: 10,
    concurrency: 2,
    timeoutMs: 5000,
    maxDurationSeconds: 60,
    requestIdPrefix: 'run.p.0.',
    requestIdHeader: 'x-meshproof-id',
  };
  it('accepts a complete plan', () => {
    expect(parseK6Plan(JSON.stringify(good))).toEqual(good);
  });
  it.each([
    [{ url: 'server' }, 'url'],
    [{ requests: 0 }, 'requests'],
    [{ concurrency: 1.5 }, 'concurrency'],
    [{ requestIdHeader: undefined }, 'requestIdHeader'],
  ])('refuses %j', (patch, field) => {
    expect(() => parseK6Plan(JSON.stringify({ ...good, ...patch }))).toThrow(field);
  });
});

describe('the request headers a mesh adds or removes', () => {
  it('are read back from the echo under the same names as the builtin driver reads them', async () => {
    const { APP_HEADER_PREFIXES } = await import('../../fixtures/echo/echo-protocol.ts');
    const { appHeaderPrefixes } = await import('./observation.ts');
    expect(appHeaderPrefixes).toEqual(APP_HEADER_PREFIXES);
  });

  it('keep the token and the claim headers the echo saw, and nothing else', () => {
    const body = JSON.stringify({
      version: 'v1',
      instance: 'i',
      headers: { authorization: 'Bearer t', 'x-jwt-sub': 'alice', 'x-other': 'o' },
    });
    const o = observationFrom({ status: 200, body, error: '', error_code: 0, headers: {}, timings }, 'id', 0);
    expect(o.appHeaders).toEqual({ authorization: 'Bearer t', 'x-jwt-sub': 'alice' });
  });
});

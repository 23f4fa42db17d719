import { describe, expect, it } from 'vitest';
import { istioIdentityOf } from '../lib/meshes/istio/capabilities.ts';
import { linkerdIdentityOf } from '../lib/meshes/linkerd/capabilities.ts';
import type { CallerName, Check, JudgeContext, Observation } from '../lib/model/index.ts';
import { isSampled } from '../lib/model/index.ts';
import { registry } from './registry.ts';

/**
 * Checks are mesh-agnostic: their pass definitions must hold for what each mesh really shows a
 * client. These are observations as Istio and Linkerd produce them (status codes, connection
 * errors, empty or Envoy bodies, identity headers), fed to the checks' own judges.
 */
const check = (id: string): Check => {
  const found = registry.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};

const ctxFor = (
  identityOf: (c: CallerName) => string,
  denialOf: JudgeContext['denialOf'] = () => 'forbidden',
): JudgeContext => ({ identityOf, denialOf, finalLook: true });
const istio = ctxFor(istioIdentityOf);
const linkerd = ctxFor(linkerdIdentityOf);

let next = 0;
const served = (version: 'v1' | 'v2' | 'v3', extra: Partial<Observation> = {}): Observation => ({
  requestId: `r${next++}`,
  outcome: 'response',
  status: 200,
  latencyMs: 2,
  servedBy: { version, instance: `server-${version}-abc` },
  attempt: 1,
  identity: null,
  serverAttempts: 1,
  ...extra,
});
const proxyAnswer = (status: number): Observation => ({
  requestId: `r${next++}`,
  outcome: 'response',
  status,
  latencyMs: 1,
  serverAttempts: 0,
});
const reset = (): Observation => ({
  requestId: `r${next++}`,
  outcome: 'reset',
  latencyMs: 1,
  serverAttempts: 0,
});
const times = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
const xfcc = (caller: CallerName) => ({ header: 'x-forwarded-client-cert', value: istioIdentityOf(caller) });
const l5d = (caller: CallerName) => ({ header: 'l5d-client-id', value: linkerdIdentityOf(caller) });

function judge(id: string, observations: Record<string, Observation[]>, ctx: JudgeContext) {
  return check(id).judge(observations, ctx).status;
}

describe('security.mtls.strict-rejects-plaintext', () => {
  it('passes on Istio (connection reset) and on Linkerd (403 from the proxy)', () => {
    const client = (identity: Observation['identity']) => times(10, () => served('v1', { identity }));
    expect(
      judge(
        'security.mtls.strict-rejects-plaintext',
        { outsider: times(30, reset), client: client(xfcc('client')) },
        istio,
      ),
    ).toBe('PASSED');
    expect(
      judge(
        'security.mtls.strict-rejects-plaintext',
        { outsider: times(30, () => proxyAnswer(403)), client: client(l5d('client')) },
        linkerd,
      ),
    ).toBe('PASSED');
  });
  it('fails when the outsider reaches the app in either style', () => {
    expect(
      judge(
        'security.mtls.strict-rejects-plaintext',
        { outsider: times(30, () => served('v1')), client: times(10, () => served('v1')) },
        linkerd,
      ),
    ).toBe('FAILED');
  });
});

describe('security.mtls.identity-presented', () => {
  it("accepts each mesh's own identity format, and only that", () => {
    const obs = (id: (c: CallerName) => Observation['identity']) => ({
      client: times(10, () => served('v1', { identity: id('client') })),
      frontend: times(10, () => served('v2', { identity: id('frontend') })),
    });
    expect(judge('security.mtls.identity-presented', obs(xfcc), istio)).toBe('PASSED');
    expect(judge('security.mtls.identity-presented', obs(l5d), linkerd)).toBe('PASSED');
    expect(judge('security.mtls.identity-presented', obs(l5d), istio)).toBe('FAILED');
    expect(
      judge(
        'security.mtls.identity-presented',
        obs(() => null),
        linkerd,
      ),
    ).toBe('FAILED');
  });
});

describe('security.authz.deny-unlisted-identity', () => {
  it('passes on 403 whatever the body (Envoy "RBAC: access denied" or Linkerd\'s empty one)', () => {
    const denied = {
      frontend: times(20, () => proxyAnswer(403)),
      outsider: times(20, () => proxyAnswer(403)),
    };
    expect(judge('security.authz.deny-unlisted-identity', denied, istio)).toBe('PASSED');
    expect(judge('security.authz.deny-unlisted-identity', denied, linkerd)).toBe('PASSED');
  });
  it('fails on a 404 (a Linkerd path matching no route) or a reset, which are not denials', () => {
    expect(
      judge(
        'security.authz.deny-unlisted-identity',
        { frontend: times(20, () => proxyAnswer(404)), outsider: times(20, () => proxyAnswer(403)) },
        linkerd,
      ),
    ).toBe('FAILED');
    expect(
      judge(
        'security.authz.deny-unlisted-identity',
        { frontend: times(20, () => proxyAnswer(403)), outsider: times(20, reset) },
        istio,
      ),
    ).toBe('FAILED');
  });
});

describe('Istio ambient: the outsider never passes a waypoint, so ztunnel refuses it by closing the connection', () => {
  const ambient = ctxFor(istioIdentityOf, (caller) =>
    caller === 'outsider' ? 'connection-closed' : 'forbidden',
  );
  const denied = { frontend: times(20, () => proxyAnswer(403)), outsider: times(20, reset) };

  it('passes deny-unlisted-identity on the waypoint’s 403 and ztunnel’s closed connection, there only', () => {
    expect(judge('security.authz.deny-unlisted-identity', denied, ambient)).toBe('PASSED');
    expect(judge('security.authz.deny-unlisted-identity', denied, istio)).toBe('FAILED');
  });

  it('fails when the outsider bypasses the waypoint’s policy and reaches the app (no ztunnel guard)', () => {
    const bypass = { frontend: times(20, () => proxyAnswer(403)), outsider: times(20, () => served('v1')) };
    expect(judge('security.authz.deny-unlisted-identity', bypass, ambient)).toBe('FAILED');
  });

  it("shows each caller's identity through the waypoint's X-Forwarded-Client-Cert", () => {
    const viaWaypoint = (caller: CallerName) => times(10, () => served('v1', { identity: xfcc(caller) }));
    expect(
      judge(
        'security.mtls.identity-presented',
        { client: viaWaypoint('client'), frontend: viaWaypoint('frontend') },
        ambient,
      ),
    ).toBe('PASSED');
    // Without the waypoint on the path (L4 only) the app is shown no identity.
    const l4 = () => times(10, () => served('v1'));
    expect(judge('security.mtls.identity-presented', { client: l4(), frontend: l4() }, ambient)).toBe(
      'FAILED',
    );
  });
});

describe('resilience.retries.attempts-honoured', () => {
  it('counts attempts at the server, so no attempt header is needed (Linkerd sends none)', () => {
    const recovers = times(20, () => served('v1', { attempt: 3, serverAttempts: 3 }));
    const exhausts = times(20, () => served('v1', { status: 503, attempt: 3, serverAttempts: 3 }));
    const clientErrors = times(20, () => served('v1', { status: 404 }));
    expect(judge('resilience.retries.attempts-honoured', { recovers, exhausts, clientErrors }, linkerd)).toBe(
      'PASSED',
    );
    const offByOne = times(20, () => served('v1', { attempt: 4, serverAttempts: 4 }));
    expect(
      judge('resilience.retries.attempts-honoured', { recovers, exhausts: offByOne, clientErrors }, istio),
    ).toBe('FAILED');
  });
});

describe('resilience.timeout.route-timeout', () => {
  it("passes on a proxy's 504 after the timeout whatever the body (Envoy's text or Linkerd's empty one), however late load makes it", () => {
    const slow = (latencyMs: number) => times(10, () => ({ ...proxyAnswer(504), latencyMs }));
    expect(judge('resilience.timeout.route-timeout', { slow: slow(510) }, linkerd)).toBe('PASSED');
    expect(judge('resilience.timeout.route-timeout', { slow: slow(2_000) }, istio)).toBe('PASSED');
    expect(judge('resilience.timeout.route-timeout', { slow: slow(300) }, istio)).toBe('FAILED');
    const fromApp = times(10, () => served('v1', { status: 504, latencyMs: 600 }));
    expect(judge('resilience.timeout.route-timeout', { slow: fromApp }, istio)).toBe('FAILED');
  });
});

describe('resilience.circuit.connection-overflow', () => {
  const ended = (o: Observation, atMs: number): Observation => ({ ...o, sentAtMs: 0, latencyMs: atMs });
  it("passes Envoy's pool: a connection per endpoint and worker beyond the limit, one pending, the rest shed at once", () => {
    const burst = [
      // Two workers' pools each open a connection despite maxConnections 1 (Envoy's docs), one waits.
      ended(served('v1'), 1_210),
      ended(served('v1'), 1_230),
      ended(served('v1'), 2_420),
      ...times(9, () => ended(proxyAnswer(503), 3)),
    ];
    expect(judge('resilience.circuit.connection-overflow', { burst }, istio)).toBe('PASSED');
  });
  it('fails an overflow that waited for a queue timeout, or two requests waiting where one may', () => {
    const queued = [ended(served('v1'), 1_210), ...times(11, () => ended(proxyAnswer(503), 2_000))];
    expect(judge('resilience.circuit.connection-overflow', { burst: queued }, istio)).toBe('FAILED');
    const twoWaited = [
      ended(served('v1'), 1_210),
      ended(served('v1'), 2_420),
      ended(served('v1'), 2_430),
      ...times(9, () => ended(proxyAnswer(503), 3)),
    ];
    expect(judge('resilience.circuit.connection-overflow', { burst: twoWaited }, istio)).toBe('FAILED');
  });
});

describe('resilience.fault.abort-all', () => {
  it("passes on Istio's fault filter and on Linkerd's error backend alike: 503 that never reached the app", () => {
    expect(judge('resilience.fault.abort-all', { all: times(30, () => proxyAnswer(500)) }, istio)).toBe(
      'PASSED',
    );
    expect(
      judge('resilience.fault.abort-all', { all: times(30, () => served('v1', { status: 500 })) }, linkerd),
    ).toBe('FAILED');
    expect(judge('resilience.fault.abort-all', { all: times(30, () => proxyAnswer(503)) }, istio)).toBe(
      'FAILED',
    );
  });
});

describe('traffic.weights.90-10', () => {
  it('judges the split from the serving version, the same on every mesh', () => {
    const c = check('traffic.weights.90-10');
    const traffic = c.traffic.requests;
    if (!traffic || !isSampled(traffic)) throw new Error('weights are sampled');
    const split = [...times(1260, () => served('v1')), ...times(140, () => served('v2'))];
    expect(c.judge({ requests: split }, { ...linkerd, finalLook: false }).status).toBe('PASSED');
  });
});

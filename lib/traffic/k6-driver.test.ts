import { describe, expect, it } from 'vitest';
import { encodeObservation } from '../../k6/lib/observation.ts';
import { clusterTimeouts, clusterWaits, localNames } from '../model/index.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { createK6Driver, k6ExecTarget, k6RunArgv, k6RunStep, k6VersionOf, toK6Plan } from './k6-driver.ts';

const names = clusterNames('20261203-101010-istio-ab12');

const plan = {
  caller: 'client' as const,
  service: 'server' as const,
  path: '/api/items',
  headers: { 'x-version': 'v2' },
  echo: { failAttempts: 2 },
  requests: 20,
  concurrency: 4,
};

describe('toK6Plan', () => {
  it('addresses the service by its cluster DNS name and carries the echo steering as headers', () => {
    const k6 = toK6Plan(plan, 'run.recovers.0.', clusterTimeouts, names);
    expect(k6).toMatchObject({
      url: 'http://server.meshproof-20261203-101010-istio-ab12.svc.cluster.local/api/items',
      method: 'GET',
      headers: { 'x-version': 'v2', 'x-echo-fail-attempts': '2' },
      requests: 20,
      concurrency: 4,
      timeoutMs: clusterTimeouts.requestMs,
      requestIdPrefix: 'run.recovers.0.',
      requestIdHeader: 'x-meshproof-id',
    });
    expect(k6.headers).not.toHaveProperty('x-meshproof-id');
    expect(k6.maxDurationSeconds).toBeGreaterThan((5 * clusterTimeouts.requestMs) / 1000);
  });

  it("dials an external fixture's Service (outside namespace) and sends the plan's Host for a request outside the mesh", () => {
    const k6 = toK6Plan(
      { ...plan, egress: { host: 'ext.example', destination: 'forbidden' } },
      'run.egress.0.',
      clusterTimeouts,
      names,
    );
    expect(k6.url).toBe(
      'http://egress-forbidden.meshproof-outside-20261203-101010-istio-ab12.svc.cluster.local:80/api/items',
    );
    expect(k6.headers).toMatchObject({ host: 'ext.example', 'x-version': 'v2' });
    expect(
      toK6Plan(
        { ...plan, egress: { host: 'ext.example', destination: 'ext-alt' } },
        'p.',
        clusterTimeouts,
        names,
      ).url,
    ).toBe('http://egress-ext.meshproof-outside-20261203-101010-istio-ab12.svc.cluster.local:8081/api/items');
    expect(
      toK6Plan(
        { ...plan, egress: { host: 'ext.example', destination: 'ext', portInHost: true } },
        'p.',
        clusterTimeouts,
        names,
      ).headers.host,
    ).toBe('ext.example:80');
  });

  it("runs in the caller identity's own pod, inside or outside the mesh", () => {
    expect(k6ExecTarget('client', localNames)).toEqual({
      namespace: 'meshproof',
      deployment: 'client',
      selector: 'app=client',
      container: 'k6',
    });
    expect(k6ExecTarget('outsider', names).namespace).toBe('meshproof-outside-20261203-101010-istio-ab12');
    expect(k6RunArgv(toK6Plan(plan, 'p.', clusterTimeouts, names))).toEqual(
      expect.arrayContaining(['k6', 'run', '--log-format=raw', '/scripts/run-plan.ts']),
    );
  });

  it('speaks k6 v2: --summary-mode=disabled, never the removed --no-summary', () => {
    const argv = k6RunArgv(toK6Plan(plan, 'p.', clusterTimeouts, names));
    expect(argv).toContain('--summary-mode=disabled');
    expect(argv).not.toContain('--no-summary');
    expect(
      k6VersionOf('{"version":"v2.2.0","go_version":"go1.26.5","go_os":"linux","go_arch":"amd64"}\n'),
    ).toBe('2.2.0');
    expect(k6VersionOf('k6 v0.49.0 (go1.21)')).toBeUndefined();
  });

  it("bounds the exec by the plan's own maximum duration plus a margin", () => {
    const k6 = toK6Plan(plan, 'p.', clusterTimeouts, names);
    const step = k6RunStep(k6, 'client', names, 't');
    expect(step.deadlineMs).toBe(k6.maxDurationSeconds * 1000 + clusterWaits.execMarginMs);
  });
});

describe('createK6Driver', () => {
  it('turns k6 observation lines into Observations, in request order, marking missing ones', async () => {
    const driver = createK6Driver(
      async (step) => {
        expect(step.target.deployment).toBe('client');
        expect(step.argv[0]).toBe('k6');
        const lines = [
          encodeObservation({
            requestId: 'p.1',
            outcome: 'reset',
            sentAtMs: 2,
            latencyMs: 1,
            errorDetail: 'EOF',
          }),
          'unrelated output',
          encodeObservation({
            requestId: 'p.0',
            outcome: 'response',
            status: 200,
            sentAtMs: 1,
            latencyMs: 3,
            servedBy: { version: 'v1', instance: 'server-v1-x' },
            attempt: 1,
            identity: null,
          }),
        ];
        return { stdout: '', stderr: lines.join('\n'), exitCode: 0 };
      },
      clusterTimeouts,
      names,
    );
    const observations = await driver.send({ ...plan, requests: 3 }, 'p.');
    expect(observations.map((o) => o.outcome)).toEqual(['response', 'reset', 'error']);
    expect(observations[0]?.servedBy?.version).toBe('v1');
    expect(observations[2]?.errorDetail).toMatch(/no observation/);
  });

  it('fails loudly when k6 itself fails and reports nothing', async () => {
    const driver = createK6Driver(
      async () => ({ stdout: '', stderr: 'error: script not found', exitCode: 107 }),
      clusterTimeouts,
      names,
    );
    await expect(driver.send(plan, 'p.')).rejects.toThrow(/exited 107.*script not found/);
  });
});

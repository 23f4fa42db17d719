import { describe, expect, it } from 'vitest';
import { encodeObservation } from '../../k6/lib/observation.ts';
import { clusterTimeouts } from '../model/index.ts';
import { createK6Driver, k6ExecTarget, k6RunArgv, toK6Plan } from './k6-driver.ts';

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
    const k6 = toK6Plan(plan, 'run.recovers.0.', clusterTimeouts);
    expect(k6).toMatchObject({
      url: 'http://server.meshproof.svc.cluster.local/api/items',
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

  it("runs in the caller identity's own pod, inside or outside the mesh", () => {
    expect(k6ExecTarget('client')).toEqual({ namespace: 'meshproof', deployment: 'client' });
    expect(k6ExecTarget('outsider')).toEqual({ namespace: 'meshproof-outside', deployment: 'outsider' });
    expect(k6RunArgv(toK6Plan(plan, 'p.', clusterTimeouts))).toEqual(
      expect.arrayContaining(['k6', 'run', '--log-format=raw', '/scripts/run-plan.ts']),
    );
  });
});

describe('createK6Driver', () => {
  it('turns k6 observation lines into Observations, in request order, marking missing ones', async () => {
    const driver = createK6Driver(async (caller, argv) => {
      expect(caller).toBe('client');
      expect(argv[0]).toBe('k6');
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
    }, clusterTimeouts);
    const observations = await driver.send({ ...plan, requests: 3 }, 'p.');
    expect(observations.map((o) => o.outcome)).toEqual(['response', 'reset', 'error']);
    expect(observations[0]?.servedBy?.version).toBe('v1');
    expect(observations[2]?.errorDetail).toMatch(/no observation/);
  });

  it('fails loudly when k6 itself fails and reports nothing', async () => {
    const driver = createK6Driver(
      async () => ({ stdout: '', stderr: 'error: script not found', exitCode: 107 }),
      clusterTimeouts,
    );
    await expect(driver.send(plan, 'p.')).rejects.toThrow(/exited 107.*script not found/);
  });
});

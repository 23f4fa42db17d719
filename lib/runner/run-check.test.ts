import { describe, expect, it } from 'vitest';
import { connectionOverflow } from '../../suites/resilience/circuit-connection-overflow.ts';
import { outlierEjection } from '../../suites/resilience/circuit-outlier-ejection.ts';
import { strictRejectsImpostors } from '../../suites/security/strict-rejects-impostors.ts';
import type { Environment, FeatureSupport } from '../model/index.ts';
import { allFeatures, localTimeouts, notSupported, supported } from '../model/index.ts';
import { runCheck } from './run-check.ts';

/** An environment whose driver cannot present forged credentials, as the k6 callers cannot. */
function environmentWithoutTlsCallers(): Environment & { applied: number } {
  const env = {
    applied: 0,
    mesh: {
      name: 'istio' as const,
      support: Object.fromEntries(allFeatures.map((f) => [f, supported])) as FeatureSupport,
      identityOf: (caller: string) => caller,
      denialOf: () => 'forbidden' as const,
      cannotRender: () => undefined,
      render: () => [],
    },
    meshVersion: 'test',
    platform: 'k3s' as const,
    timeouts: localTimeouts,
    driver: {
      send: async () => [],
      cannotSend: (plan: { presents?: string }) =>
        plan.presents !== undefined ? 'no TLS callers here' : undefined,
    },
    async apply() {
      env.applied++;
    },
    cannotChaos: () => undefined,
    chaos: async () => {},
    reset: async () => {},
    ledger: async () => new Map(),
    diagnostics: async () => [],
    [Symbol.asyncDispose]: async () => {},
  };
  return env;
}

describe('runCheck', () => {
  it('reports NOT_SUPPORTED, naming the platform and why, when the driver cannot send the traffic', async () => {
    const env = environmentWithoutTlsCallers();
    const result = await runCheck(strictRejectsImpostors, env, 't');
    expect(result.status).toBe('NOT_SUPPORTED');
    expect(result.reason).toBe('traffic on k3s: no TLS callers here');
    expect(env.applied).toBe(0);
  });

  it('reports NOT_SUPPORTED, naming the platform and why, when the platform cannot force a chaos action', async () => {
    const env = { ...environmentWithoutTlsCallers(), cannotChaos: () => 'no control of the workloads here' };
    const result = await runCheck(outlierEjection, env, 't');
    expect(result.status).toBe('NOT_SUPPORTED');
    expect(result.reason).toBe('chaos on k3s: no control of the workloads here');
  });

  it('reports every feature a mesh does not support, and asks the rendering only when none is missing', async () => {
    const env = environmentWithoutTlsCallers();
    let asked = 0;
    const mesh = {
      ...env.mesh,
      support: { ...env.mesh.support, ConnectionLimits: notSupported('no pools') },
      cannotRender: () => {
        asked++;
        return 'cannot say it';
      },
    };
    const unsupported = await runCheck(connectionOverflow, { ...env, mesh }, 't');
    expect(unsupported.reason).toBe('ConnectionLimits: no pools');
    expect(asked).toBe(0);
    const unrenderable = await runCheck(
      connectionOverflow,
      { ...env, mesh: { ...mesh, support: env.mesh.support } },
      't',
    );
    expect(unrenderable.reason).toBe('rendering: cannot say it');
    expect(env.applied).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { strictRejectsImpostors } from '../../suites/security/strict-rejects-impostors.ts';
import type { Environment } from '../model/index.ts';
import { localTimeouts } from '../model/index.ts';
import { runCheck } from './run-check.ts';

/** An environment whose driver cannot present forged credentials, as the k6 callers cannot. */
function environmentWithoutTlsCallers(): Environment & { applied: number } {
  const env = {
    applied: 0,
    mesh: {
      name: 'istio' as const,
      support: () => ({ supported: true as const }),
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
});

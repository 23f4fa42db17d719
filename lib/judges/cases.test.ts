import { describe, expect, it } from 'vitest';
import type { JudgeContext, Observation } from '../model/index.ts';
import {
  caseTraffic,
  deniedCase,
  deniedProbe,
  deniedUnseen,
  describePathsSeen,
  judgeCases,
  type RequestCase,
} from './cases.ts';

const ctx: JudgeContext = { identityOf: (caller) => caller, denialOf: () => 'forbidden', finalLook: true };
const served = (path: string): Observation => ({
  requestId: 'r',
  outcome: 'response',
  status: 200,
  latencyMs: 1,
  servedBy: { version: 'v1', instance: 'server-v1' },
  path,
});
const denied: Observation = {
  requestId: 'r',
  outcome: 'response',
  status: 403,
  latencyMs: 1,
  serverAttempts: 0,
};

const cases = {
  open: {
    label: 'GET /public',
    plan: { caller: 'client', service: 'server', path: '/public', requests: 2 },
    want: '2xx',
    ok: (o) => o.status === 200,
    describe: describePathsSeen,
  },
  closed: {
    label: 'GET /apiary',
    plan: { caller: 'client', service: 'server', path: '/apiary', requests: 2, ledger: true },
    want: '403, never at the app',
    ok: (o) => deniedUnseen(o, 'forbidden'),
  },
} satisfies Record<string, RequestCase>;

describe('judgeCases', () => {
  it('sends one plan per case under its name', () => {
    expect(Object.keys(caseTraffic(cases))).toEqual(['open', 'closed']);
    expect(caseTraffic(cases).closed.path).toBe('/apiary');
  });

  it('passes only when every request of every case is what a conformant mesh does', () => {
    const passed = judgeCases(cases, { open: [served('/public'), served('/public')], closed: [denied] }, ctx);
    expect(passed.status).toBe('PASSED');
    expect(passed.want).toBe('GET /public: 2xx; GET /apiary: 403, never at the app');
    expect(passed.got).toBe('GET /public: 200 ×2; the app saw /public ×2; GET /apiary: 403 ×1');

    const failed = judgeCases(cases, { open: [served('/public')], closed: [denied, served('/apiary')] }, ctx);
    expect(failed.status).toBe('FAILED');
    expect(failed.got).toMatch(/GET \/apiary: 403 ×1, 200 ×1 ✗$/);
  });

  it('fails a case that sent nothing rather than passing it vacuously', () => {
    expect(judgeCases(cases, { open: [served('/public')], closed: [] }, ctx).status).toBe('FAILED');
  });

  it('counts a 403 the app saw as a leak, not a denial', () => {
    expect(deniedUnseen({ ...denied, serverAttempts: 1 }, 'forbidden')).toBe(false);
    expect(deniedUnseen({ ...denied, serverAttempts: undefined }, 'forbidden')).toBe(false);
  });
});

describe('denials as the mesh refuses each caller', () => {
  const reset: Observation = { requestId: 'r', outcome: 'reset', latencyMs: 1, serverAttempts: 0 };
  const outsider = deniedCase('outsider GET /api', { caller: 'outsider', service: 'server', requests: 1 });
  const l4 = (caller: string): 'forbidden' | 'connection-closed' =>
    caller === 'outsider' ? 'connection-closed' : 'forbidden';
  const ambient: JudgeContext = { ...ctx, denialOf: l4 };

  it('takes a closed connection as the denial only where the mesh refuses that caller at L4', () => {
    expect(outsider.ok(reset, ambient)).toBe(true);
    expect(outsider.ok(reset, ctx)).toBe(false);
    expect(outsider.ok(denied, ctx)).toBe(true);
    // Where the mesh refuses at L4, a 403 would come from something else on the path: not taken.
    expect(outsider.ok(denied, ambient)).toBe(false);
  });

  it('never takes a refused connection, a timeout or a reset the app saw as a denial', () => {
    expect(outsider.ok({ ...reset, outcome: 'refused' }, ambient)).toBe(false);
    expect(outsider.ok({ ...reset, outcome: 'timeout' }, ambient)).toBe(false);
    expect(outsider.ok({ ...reset, serverAttempts: 1 }, ambient)).toBe(false);
  });

  it('confirms convergence the same way', () => {
    const probe = deniedProbe({ caller: 'outsider', service: 'server' });
    expect(probe.confirmed(reset, ambient)).toBe(true);
    expect(probe.confirmed(reset, ctx)).toBe(false);
    expect(probe.confirmed(denied, ctx)).toBe(true);
  });
});

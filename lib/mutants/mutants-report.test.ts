import { describe, expect, it } from 'vitest';
import { resultWithStatus as result } from '../../test/report/report-fixtures.ts';
import type { MutantSelection } from './mutant-selection.ts';
import { buildMutantsReport, judgeMutant } from './mutants-report.ts';

const authzTargets = ['security.authz.deny-unlisted-identity', 'security.authz.method-and-path'];
const allRun = (ids: readonly string[]): MutantSelection => ({
  everyCheck: null,
  ran: ids.map((id) => ({ id, because: 'renders differently: sidecar/server-v1' })),
  skipped: [],
  notNamed: [],
});

describe('judgeMutant', () => {
  it('counts a defect as caught when every check it targets FAILED', () => {
    const ids = [...authzTargets, 'security.mtls.identity-presented'];
    const m = judgeMutant(
      'authz-ignored',
      allRun(ids),
      [
        result('security.authz.deny-unlisted-identity', 'FAILED'),
        result('security.authz.method-and-path', 'FAILED'),
        result('security.mtls.identity-presented', 'PASSED'),
      ],
      ids,
      10,
    );
    expect(m).toMatchObject({ caught: true, failedChecks: authzTargets, unreachableTargets: [] });
  });

  it('does not count a target that passed', () => {
    const m = judgeMutant(
      'authz-ignored',
      allRun(authzTargets),
      [
        result('security.authz.deny-unlisted-identity', 'FAILED'),
        result('security.authz.method-and-path', 'PASSED'),
      ],
      authzTargets,
      10,
    );
    expect(m.caught).toBe(false);
  });

  it('does not count a harness ERROR as catching the defect', () => {
    const ids = ['resilience.ratelimit.local'];
    const m = judgeMutant('ratelimit-ignored', allRun(ids), [result(ids[0] as string, 'ERROR')], ids, 10);
    expect(m).toMatchObject({ caught: false, erroredChecks: ['resilience.ratelimit.local'] });
  });

  it('does not count a target skipped because the defect renders the same for it, and names it', () => {
    const footprint: MutantSelection = {
      everyCheck: null,
      ran: [{ id: authzTargets[0] as string, because: 'renders differently: sidecar/server-v1' }],
      skipped: [{ id: authzTargets[1] as string, because: 'renders the same configuration' }],
      notNamed: [],
    };
    const m = judgeMutant(
      'authz-ignored',
      footprint,
      [result(authzTargets[0] as string, 'FAILED'), result(authzTargets[1] as string, 'SKIPPED')],
      authzTargets,
      10,
    );
    expect(m).toMatchObject({
      caught: false,
      unreachableTargets: [authzTargets[1]],
      skipped: [{ id: authzTargets[1], because: 'renders the same configuration' }],
    });
  });

  it('judges only the targets among the selected checks (--only)', () => {
    const ids = ['security.authz.method-and-path'];
    const m = judgeMutant('authz-ignored', allRun(ids), [result(ids[0] as string, 'FAILED')], ids, 10);
    expect(m).toMatchObject({ caught: true, targets: ids });
  });
});

describe('buildMutantsReport', () => {
  const ids = ['resilience.ratelimit.local'];
  const caught = judgeMutant('ratelimit-ignored', allRun(ids), [result(ids[0] as string, 'FAILED')], ids, 10);
  const missed = judgeMutant('outlier-ignored', allRun([]), [], ['resilience.circuit.outlier-ejection'], 10);

  it('passes when the conformant mesh has no failure and every defect is caught', () => {
    const report = buildMutantsReport(
      'targets',
      [caught],
      [result('resilience.ratelimit.local', 'PASSED')],
      1000,
    );
    expect(report).toMatchObject({
      passed: true,
      mode: 'targets',
      score: 1,
      conformantFailures: 0,
      checkRuns: { ran: 1, skipped: 0, notNamed: 0 },
    });
    expect(report.modeDescription).toMatch(/only the checks it names/);
  });

  it('fails on a missed defect, and on a conformant failure even when every defect is caught', () => {
    expect(buildMutantsReport('targets', [caught, missed], [], 1).passed).toBe(false);
    expect(buildMutantsReport('targets', [caught, missed], [], 1).score).toBe(0.5);
    const falseFailure = buildMutantsReport(
      'thorough',
      [caught],
      [result('traffic.weights.90-10', 'FAILED')],
      1,
    );
    expect(falseFailure).toMatchObject({ passed: false, conformantFailedChecks: ['traffic.weights.90-10'] });
  });
});

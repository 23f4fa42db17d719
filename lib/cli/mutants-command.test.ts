import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../model/index.ts';
import { judgeMutant } from './mutants-command.ts';

const result = (id: string, status: CheckResult['status']): CheckResult => ({
  id,
  description: '',
  status,
  profile: 'core',
  features: [],
  durationMs: 1,
  want: 'w',
  got: 'g',
  evidence: {},
});

describe('judgeMutant', () => {
  it('counts a defect as caught when every check it targets FAILED', () => {
    const m = judgeMutant(
      'authz-ignored',
      [
        result('security.authz.deny-unlisted-identity', 'FAILED'),
        result('security.authz.method-and-path', 'FAILED'),
        result('security.mtls.identity-presented', 'PASSED'),
      ],
      10,
    );
    expect(m).toMatchObject({
      caught: true,
      failedChecks: ['security.authz.deny-unlisted-identity', 'security.authz.method-and-path'],
    });
  });
  it('does not count a target that passed', () => {
    const m = judgeMutant(
      'authz-ignored',
      [
        result('security.authz.deny-unlisted-identity', 'FAILED'),
        result('security.authz.method-and-path', 'PASSED'),
      ],
      10,
    );
    expect(m.caught).toBe(false);
  });
  it('does not count a harness ERROR as catching the defect', () => {
    const m = judgeMutant('ratelimit-ignored', [result('resilience.ratelimit.local', 'ERROR')], 10);
    expect(m).toMatchObject({ caught: false, erroredChecks: ['resilience.ratelimit.local'] });
  });
});

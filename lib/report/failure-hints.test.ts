import { describe, expect, it } from 'vitest';
import { allFeatures } from '../model/index.ts';
import type { CheckResult } from '../model/verdict.ts';
import { likelyCauses, likelyCausesByFeature } from './failure-hints.ts';

const check = (overrides: Partial<CheckResult>): CheckResult => ({
  id: 'security.mtls.strict-rejects-plaintext',
  description: '',
  status: 'FAILED',
  profile: 'core',
  features: ['MtlsStrict'],
  durationMs: 1,
  want: '',
  got: '',
  evidence: {},
  ...overrides,
});

describe('likelyCauses', () => {
  it('has causes for every feature', () => {
    for (const feature of allFeatures) expect(likelyCausesByFeature[feature].length).toBeGreaterThan(0);
  });

  it.each([
    ['MtlsStrict', /PeerAuthentication/],
    ['MtlsStrict', /not injected/],
    ['WeightedRouting', /DestinationRule subsets/],
    ['WeightedRouting', /not meshed/],
    ['WeightedRouting', /propagation time/],
    ['Retries', /Istio retries by default/],
    ['Timeouts', /route timeout is not applied/],
    ['AuthzByIdentity', /does not select the server workload/],
  ])('a failed %s check names %s', (feature, cause) => {
    expect(likelyCauses(check({ features: [feature] })).join('\n')).toMatch(cause);
  });

  it.each(['PASSED', 'NOT_SUPPORTED', 'SKIPPED'] as const)('gives none for %s', (status) => {
    expect(likelyCauses(check({ status }))).toEqual([]);
  });

  it('puts configuration never confirmed first', () => {
    const causes = likelyCauses(check({ propagationMs: null }));
    expect(causes[0]).toMatch(/never confirmed in effect/);
  });

  it('tells how to rerun an errored check alone, and lists a shared cause once', () => {
    const causes = likelyCauses(
      check({ status: 'ERROR', id: 'resilience.retries.per-try-timeout', features: ['Retries', 'Retries'] }),
    );
    expect(causes[0]).toContain('--only resilience.retries.per-try-timeout');
    expect(new Set(causes).size).toBe(causes.length);
  });

  it('tolerates a feature it does not know (a report from a newer suite)', () => {
    expect(likelyCauses(check({ features: ['Teleportation'] }))).toEqual([]);
  });
});

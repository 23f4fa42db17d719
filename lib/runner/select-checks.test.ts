import { describe, expect, it } from 'vitest';
import { registry } from '../../suites/registry.ts';
import { selectChecks } from './select-checks.ts';

const ids = (patterns: string[]) => selectChecks(registry, patterns).map((c) => c.id);

describe('selectChecks', () => {
  it('selects every check without patterns, in registry order', () => {
    expect(ids([])).toEqual(registry.map((c) => c.id));
  });
  it('takes exact ids, dotted prefixes and globs', () => {
    expect(ids(['security.mtls.identity-presented'])).toEqual(['security.mtls.identity-presented']);
    expect(ids(['security.mtls'])).toEqual([
      'security.mtls.strict-rejects-plaintext',
      'security.mtls.permissive-accepts-plaintext',
      'security.mtls.identity-presented',
      'security.mtls.strict-rejects-impostors',
      'security.mtls.permissive-impostors-unidentified',
    ]);
    expect(ids(['traffic.weights.*'])).toEqual([
      'traffic.weights.90-10',
      'traffic.weights.50-50',
      'traffic.weights.three-way',
      'traffic.weights.zero-weight',
    ]);
  });
  it('does not treat a prefix of a segment as a group', () => {
    expect(() => ids(['security.mt'])).toThrow(/MESHPROOF|no check matches/);
  });
  it('refuses a pattern that matches nothing, naming it', () => {
    expect(() => ids(['security.mtls', 'nothing.here'])).toThrow('nothing.here');
  });
});

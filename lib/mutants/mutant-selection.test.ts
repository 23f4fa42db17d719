import { describe, expect, it } from 'vitest';
import type { DefectFootprint } from './defect-footprint.ts';
import { notNamedReason, selectMutantChecks } from './mutant-selection.ts';

const changed = 'renders differently: sidecar/server-v1';
const same = 'renders the same configuration as the conformant mesh';
const footprint: DefectFootprint = {
  everyCheck: null,
  checks: [
    { id: 'security.authz.deny-unlisted-identity', run: true, because: changed },
    { id: 'security.authz.forged-identity-header', run: true, because: changed },
    { id: 'security.authz.method-and-path', run: false, because: same },
    { id: 'traffic.weights.90-10', run: false, because: same },
  ],
};

describe('selectMutantChecks', () => {
  it('runs only the named checks of the footprint in targets mode, saying why the others do not run', () => {
    const selection = selectMutantChecks(footprint, ['security.authz.deny-unlisted-identity'], 'targets');
    expect(selection).toEqual({
      everyCheck: null,
      ran: [{ id: 'security.authz.deny-unlisted-identity', because: changed }],
      skipped: [
        { id: 'security.authz.method-and-path', because: same },
        { id: 'traffic.weights.90-10', because: same },
      ],
      notNamed: [{ id: 'security.authz.forged-identity-header', because: notNamedReason }],
    });
    expect(notNamedReason).toBe('not run: not named by the defect (would run with --thorough)');
  });

  it('runs the whole footprint in thorough mode', () => {
    const selection = selectMutantChecks(footprint, ['security.authz.deny-unlisted-identity'], 'thorough');
    expect(selection.ran.map((c) => c.id)).toEqual([
      'security.authz.deny-unlisted-identity',
      'security.authz.forged-identity-header',
    ]);
    expect(selection.notNamed).toEqual([]);
    expect(selection.skipped).toHaveLength(2);
  });

  it('keeps a named check the defect renders the same for skipped (it is then not caught)', () => {
    const selection = selectMutantChecks(footprint, ['security.authz.method-and-path'], 'targets');
    expect(selection.ran).toEqual([]);
    expect(selection.skipped.map((c) => c.id)).toContain('security.authz.method-and-path');
  });

  it('runs only the named checks of a defect that changes what every check starts from', () => {
    const every: DefectFootprint = {
      everyCheck: 'the baseline configuration differs: sidecar/server-v1',
      checks: footprint.checks.map((c) => ({
        ...c,
        run: true,
        because: 'the baseline configuration differs',
      })),
    };
    const targets = ['security.authz.method-and-path', 'traffic.weights.90-10'];
    const selection = selectMutantChecks(every, targets, 'targets');
    expect(selection.everyCheck).toBe(every.everyCheck);
    expect(selection.ran.map((c) => c.id)).toEqual(targets);
    expect(selection.notNamed).toHaveLength(2);
    expect(selectMutantChecks(every, targets, 'thorough').ran).toHaveLength(4);
  });
});

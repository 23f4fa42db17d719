import { describe, expect, it } from 'vitest';
import { isMeshproofError } from '../errors/meshproof-error.ts';
import { parseTimeoutOverrides, timeoutGroups } from './timeouts.ts';

const refusal = (text: string): string => {
  try {
    parseTimeoutOverrides(text, 'slow.json');
  } catch (error) {
    if (isMeshproofError(error) && error.code === 'MESHPROOF_BAD_TIMEOUTS') return error.message;
    throw error;
  }
  throw new Error(`accepted ${text}`);
};

describe('a timeouts file', () => {
  it('overrides named timeouts of any group', () => {
    expect(
      parseTimeoutOverrides(
        '{"cluster": {"convergenceMs": 120000, "convergenceConfirmations": 5}, "clusterWaits": {"meshReadinessMs": 600000}}',
        'slow.json',
      ),
    ).toEqual({
      cluster: { convergenceMs: 120_000, convergenceConfirmations: 5 },
      clusterWaits: { meshReadinessMs: 600_000 },
    });
    expect(parseTimeoutOverrides('{}', 'slow.json')).toEqual({});
  });

  it('refuses an unknown group or name (a typo must not leave the default in force)', () => {
    expect(refusal('{"clusters": {"convergenceMs": 1}}')).toMatch(
      /no timeout group "clusters" \(groups: local, cluster,/,
    );
    expect(refusal('{"cluster": {"convergenceMS": 1}}')).toMatch(
      /no timeout cluster\.convergenceMS \(cluster: convergenceMs,/,
    );
    // An inherited property is not a timeout either.
    expect(refusal('{"cluster": {"toString": 1}}')).toMatch(/no timeout cluster\.toString/);
  });

  it('refuses a value that is not a positive number, and a count that is not whole', () => {
    for (const value of ['0', '-5', '"5000"', 'null', 'true', '[1]', '1e999']) {
      expect(refusal(`{"cluster": {"convergenceMs": ${value}}}`)).toMatch(
        /must be a positive number of milliseconds/,
      );
    }
    expect(refusal('{"cluster": {"convergenceConfirmations": 2.5}}')).toMatch(
      /must be a positive whole number/,
    );
  });

  it('refuses what is not a JSON object of groups of names', () => {
    expect(refusal('convergenceMs=5')).toMatch(/^slow\.json: not JSON/);
    expect(refusal('[]')).toMatch(/must be a JSON object of groups/);
    expect(refusal('{"cluster": 5}')).toMatch(/cluster must be an object of name: value/);
  });

  it('reads back what `meshproof timeouts` and plan mode print (every group, every name)', () => {
    const roundTrip = parseTimeoutOverrides(JSON.stringify(timeoutGroups), 'timeouts.json');
    expect(Object.keys(roundTrip).sort()).toEqual(Object.keys(timeoutGroups).sort());
  });
});

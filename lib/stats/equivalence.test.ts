import { describe, expect, it } from 'vitest';
import { clopperPearsonInterval } from './binomial.ts';
import { decideRatio, describeRatioVerdict, perIntervalAlpha, type RatioCheckInput } from './equivalence.ts';

const SPLIT = { v1: 0.9, v2: 0.1 };

function check(counts: Record<string, number>, look: number, extra: Partial<RatioCheckInput> = {}) {
  return decideRatio({ targets: SPLIT, tolerance: 0.05, counts, look, maxLooks: 23, ...extra });
}

describe('perIntervalAlpha', () => {
  it('divides alpha over categories × looks (Bonferroni)', () => {
    expect(perIntervalAlpha(1e-5, 2, 10)).toBeCloseTo(5e-7, 20);
    expect(perIntervalAlpha(0.05, 1, 1)).toBe(0.05);
    expect(perIntervalAlpha(1e-5, 3, 20)).toBeCloseTo(1e-5 / 60, 20);
  });

  it('rejects a non-positive number of categories or looks', () => {
    expect(() => perIntervalAlpha(1e-5, 0, 10)).toThrow(RangeError);
    expect(() => perIntervalAlpha(1e-5, 2, 0)).toThrow(RangeError);
    expect(() => perIntervalAlpha(0, 2, 10)).toThrow(RangeError);
  });
});

describe('decideRatio', () => {
  it('computes each interval as Clopper–Pearson at alpha / (categories × maxLooks)', () => {
    const verdict = check({ v1: 897, v2: 103 }, 5);
    expect(verdict.alpha).toBe(1e-5);
    expect(verdict.perIntervalAlpha).toBeCloseTo(1e-5 / (2 * 23), 20);
    const [v1, v2] = verdict.categories;
    expect(v1).toMatchObject(clopperPearsonInterval(897, 1000, 1e-5 / 46));
    expect(v2).toMatchObject(clopperPearsonInterval(103, 1000, 1e-5 / 46));
    expect(v1).toMatchObject({ name: 'v1', target: 0.9, count: 897, observed: 0.897 });
  });

  it.each([
    // [case, counts, look, decision, reason]
    ['on target, enough requests', { v1: 3600, v2: 400 }, 18, 'PASS', 'within-tolerance'],
    ['on target at the last look', { v1: 3600, v2: 400 }, 23, 'PASS', 'within-tolerance'],
    ['70/30 for a 90/10 target', { v1: 700, v2: 300 }, 5, 'FAIL', 'outside-tolerance'],
    ['70/30 at the last look', { v1: 700, v2: 300 }, 23, 'FAIL', 'outside-tolerance'],
    ['on target, too few requests', { v1: 180, v2: 20 }, 1, 'CONTINUE', 'need-more-samples'],
    ['too few requests at the last look', { v1: 180, v2: 20 }, 23, 'FAIL', 'inconclusive'],
    ['no requests at all', {}, 1, 'CONTINUE', 'need-more-samples'],
    ['no requests at the last look', {}, 23, 'FAIL', 'inconclusive'],
    ['traffic leaking to an unexpected v3', { v1: 3000, v2: 400, v3: 600 }, 17, 'FAIL', 'outside-tolerance'],
  ] as const)('%s: %s', (_, counts, look, decision, reason) => {
    const verdict = check(counts, look);
    expect(verdict.decision).toBe(decision);
    expect(verdict.reason).toBe(reason);
  });

  it('marks the categories that decide the verdict', () => {
    const pass = check({ v1: 3600, v2: 400 }, 18);
    expect(pass.categories.map((c) => [c.inBand, c.disjoint])).toEqual([
      [true, false],
      [true, false],
    ]);
    const fail = check({ v1: 700, v2: 300 }, 5);
    expect(fail.categories.map((c) => [c.inBand, c.disjoint])).toEqual([
      [false, true],
      [false, true],
    ]);
    const leak = check({ v1: 3000, v2: 400, v3: 600 }, 17);
    expect(leak.requests).toBe(4000);
    expect(leak.categories.map((c) => [c.name, c.inBand, c.disjoint])).toEqual([
      ['v1', false, true],
      ['v2', true, false],
    ]);
  });

  it('passes exactly when the interval fits inside the band, continues when it reaches past it', () => {
    const { lower, upper } = clopperPearsonInterval(3600, 4000, 1e-5 / 46);
    const reach = Math.max(0.9 - lower, upper - 0.9);
    expect(check({ v1: 3600, v2: 400 }, 18, { tolerance: reach + 1e-9 }).decision).toBe('PASS');
    expect(check({ v1: 3600, v2: 400 }, 18, { tolerance: reach - 1e-9 }).decision).toBe('CONTINUE');
  });

  it('fails exactly when an interval clears the band, continues when it touches it', () => {
    // 80/20 after 1000: v1's interval ends just below 0.9 − tolerance for tolerances a hair wider.
    const { upper } = clopperPearsonInterval(800, 1000, 1e-5 / 46);
    const gap = 0.9 - upper;
    expect(check({ v1: 800, v2: 200 }, 5, { tolerance: gap - 1e-9 }).decision).toBe('FAIL');
    expect(check({ v1: 800, v2: 200 }, 5, { tolerance: gap + 1e-9 }).decision).toBe('CONTINUE');
  });

  it('checks a single proportion against the rest, counting the rest towards the total', () => {
    const targets = { aborted: 0.1 };
    const pass = decideRatio({
      targets,
      tolerance: 0.05,
      counts: { aborted: 400, ok: 3600 },
      look: 18,
      maxLooks: 22,
    });
    expect(pass.decision).toBe('PASS');
    expect(pass.requests).toBe(4000);
    expect(pass.perIntervalAlpha).toBeCloseTo(1e-5 / 22, 20);
    expect(pass.categories).toHaveLength(1);
    const fail = decideRatio({
      targets,
      tolerance: 0.05,
      counts: { aborted: 10, ok: 990 },
      look: 5,
      maxLooks: 22,
    });
    expect(fail.decision).toBe('FAIL');
    expect(fail.reason).toBe('outside-tolerance');
  });

  it('uses a given alpha, which widens or narrows the intervals', () => {
    const strict = check({ v1: 2000, v2: 250 }, 10, { alpha: 1e-9 });
    const loose = check({ v1: 2000, v2: 250 }, 10, { alpha: 0.05 });
    expect(strict.perIntervalAlpha).toBeCloseTo(1e-9 / 46, 25);
    expect(strict.decision).toBe('CONTINUE');
    expect(loose.decision).toBe('PASS');
  });

  it('reports no observed share before any request, and survives a JSON round trip', () => {
    const empty = check({}, 1);
    expect(empty.requests).toBe(0);
    expect(empty.categories[0]).toMatchObject({ observed: null, lower: 0, upper: 1, inBand: false });
    for (const verdict of [empty, check({ v1: 897, v2: 103 }, 5)]) {
      expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
    }
  });

  it.each([
    ['targets summing over 1', { targets: { a: 0.6, b: 0.5 } }],
    ['a negative target', { targets: { a: -0.1 } }],
    ['no targets', { targets: {} }],
    ['a zero tolerance', { tolerance: 0 }],
    ['look 0', { look: 0 }],
    ['a look past the last', { look: 24 }],
    ['a fractional count', { counts: { v1: 1.5, v2: 1 } }],
    ['a negative count', { counts: { v1: -1, v2: 1 } }],
  ])('rejects %s', (_, override) => {
    expect(() =>
      decideRatio({
        targets: SPLIT,
        tolerance: 0.05,
        counts: { v1: 9, v2: 1 },
        look: 1,
        maxLooks: 23,
        ...override,
      }),
    ).toThrow(RangeError);
  });
});

describe('describeRatioVerdict', () => {
  it('states counts, shares, intervals and targets in plain words', () => {
    expect(describeRatioVerdict(check({ v1: 897, v2: 103 }, 5))).toBe(
      'v1 served 897/1000 = 89.7% (99.999% simultaneous CI 83.9–94.0%), target 90% ± 5 points; ' +
        'v2 served 103/1000 = 10.3% (99.999% simultaneous CI 6.0–16.1%), target 10% ± 5 points',
    );
  });

  it('says when the budget ran out, and when nothing was served', () => {
    expect(describeRatioVerdict(check({ v1: 180, v2: 20 }, 23))).toMatch(
      /; inconclusive after 200 requests \(the sampling cap\)$/,
    );
    expect(describeRatioVerdict(check({}, 1))).toBe(
      'v1 served no requests yet, target 90% ± 5 points; v2 served no requests yet, target 10% ± 5 points',
    );
  });

  it('shows small fault rates with two decimals', () => {
    const verdict = decideRatio({
      targets: { aborted: 0.005 },
      tolerance: 0.002,
      alpha: 0.05,
      counts: { aborted: 5, ok: 995 },
      look: 1,
      maxLooks: 1,
    });
    expect(describeRatioVerdict(verdict)).toMatch(
      /^aborted served 5\/1000 = 0\.50% \(95% simultaneous CI 0\.16–1\.2%\), target 0\.5% ± 0\.2 points; inconclusive/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { clopperPearsonInterval, twoSidedZ } from './binomial.ts';
import { perIntervalAlpha } from './equivalence.ts';
import { expectedHalfWidth, planRatioSampling } from './sequential.ts';

/** Binomial(n, p) probabilities by the ratio recurrence in log space (n up to ~10^4 without underflow). */
function binomialPmf(n: number, p: number): number[] {
  const pmf: number[] = [];
  const logRatio = Math.log(p) - Math.log1p(-p);
  let log = n * Math.log1p(-p);
  for (let k = 0; k <= n; k++) {
    pmf.push(Math.exp(log));
    log += Math.log((n - k) / (k + 1)) + logRatio;
  }
  return pmf;
}

const SPLIT = { v1: 0.9, v2: 0.1 };

describe('planRatioSampling', () => {
  it('keeps a 90/10 check at ±5 points and alpha 1e-5 in the low thousands', () => {
    const plan = planRatioSampling({ targets: SPLIT, tolerance: 0.05, alpha: 1e-5 });
    expect(plan).toEqual({ batchSize: 200, maxRequests: 4600, maxLooks: 23 });
  });

  it.each([
    ['90/10', SPLIT, 0.05],
    ['50/50', { v1: 0.5, v2: 0.5 }, 0.05],
    ['a 10% fault rate', { aborted: 0.1 }, 0.05],
    ['three ways', { a: 0.5, b: 0.3, c: 0.2 }, 0.05],
    ['90/10 at ±2 points', SPLIT, 0.02],
    ['a 1% fault rate at ±0.5 points', { aborted: 0.01 }, 0.005],
    ['all traffic to one version', { v1: 1, v2: 0 }, 0.05],
  ])('for %s, picks the smallest cap at which the expected half-width is ≤ δ/2', (_, targets, tolerance) => {
    const plan = planRatioSampling({ targets, tolerance });
    const shares = Object.values(targets);
    const categories = shares.length;
    expect(plan.maxRequests).toBe(plan.batchSize * plan.maxLooks);
    expect(plan.batchSize % 50).toBe(0);
    const fits = (looks: number) =>
      shares.every(
        (p) =>
          expectedHalfWidth(p, looks * plan.batchSize, perIntervalAlpha(1e-5, categories, looks)) <=
          tolerance / 2,
      );
    expect(fits(plan.maxLooks)).toBe(true);
    if (plan.maxLooks > 1) expect(fits(plan.maxLooks - 1)).toBe(false);
  });

  it.each([
    ['90/10 at ±5 points', SPLIT, 0.05],
    ['50/50 at ±5 points', { v1: 0.5, v2: 0.5 }, 0.05],
    ['a 10% fault rate at ±5 points', { aborted: 0.1 }, 0.05],
    ['a 1% fault rate at ±0.5 points', { aborted: 0.01 }, 0.005],
  ])(
    'for %s, makes the cap inconclusive for an on-target mesh with probability ≤ alpha/2',
    (_, targets, tolerance) => {
      // Exact, over the binomial distribution at the cap: the chance that some interval there is
      // not inside the band (about 3e-7 for 90/10; a cap three batches smaller would exceed alpha/2).
      // It bounds the chance of ending inconclusive, as earlier stops only remove paths.
      const alpha = 1e-5;
      const plan = planRatioSampling({ targets, tolerance, alpha });
      const shares = Object.values(targets);
      const intervalAlpha = perIntervalAlpha(alpha, shares.length, plan.maxLooks);
      let outside = 0;
      for (const p of shares) {
        binomialPmf(plan.maxRequests, p).forEach((mass, k) => {
          if (mass < 1e-30) return;
          const { lower, upper } = clopperPearsonInterval(k, plan.maxRequests, intervalAlpha);
          if (lower < p - tolerance || upper > p + tolerance) outside += mass;
        });
      }
      expect(outside).toBeLessThanOrEqual(alpha / 2);
    },
  );

  it('needs more requests for tighter tolerances, smaller alphas and shares nearer 50%', () => {
    const base = planRatioSampling({ targets: SPLIT, tolerance: 0.05 }).maxRequests;
    expect(planRatioSampling({ targets: SPLIT, tolerance: 0.03 }).maxRequests).toBeGreaterThan(base);
    expect(planRatioSampling({ targets: SPLIT, tolerance: 0.05, alpha: 1e-8 }).maxRequests).toBeGreaterThan(
      base,
    );
    expect(planRatioSampling({ targets: { v1: 0.5, v2: 0.5 }, tolerance: 0.05 }).maxRequests).toBeGreaterThan(
      base,
    );
  });

  it('uses a given batch size, and a given cap rounded up to whole batches', () => {
    const batched = planRatioSampling({ targets: SPLIT, tolerance: 0.05, batchSize: 100 });
    expect(batched.batchSize).toBe(100);
    expect(batched.maxRequests).toBe(batched.maxLooks * 100);
    expect(planRatioSampling({ targets: SPLIT, tolerance: 0.05, batchSize: 300, maxRequests: 1000 })).toEqual(
      {
        batchSize: 300,
        maxRequests: 1200,
        maxLooks: 4,
      },
    );
  });

  it.each([
    ['a zero batch', { batchSize: 0 }],
    ['a fractional cap', { maxRequests: 10.5 }],
    ['a tolerance of 0', { tolerance: 0 }],
    ['targets over 1', { targets: { a: 0.7, b: 0.7 } }],
  ])('rejects %s', (_, override) => {
    expect(() => planRatioSampling({ targets: SPLIT, tolerance: 0.05, ...override })).toThrow(RangeError);
  });
});

describe('expectedHalfWidth', () => {
  it('is the normal half-width z·√(p(1−p)/n) where that is the wider, as at 50%', () => {
    const alpha = 1e-6;
    expect(expectedHalfWidth(0.5, 10_000, alpha)).toBeCloseTo(twoSidedZ(alpha) * Math.sqrt(0.25 / 10_000), 3);
  });

  it('follows the skewed exact interval near the boundaries, where the variance understates it', () => {
    const alpha = 1e-6;
    const exact = clopperPearsonInterval(10, 1000, alpha);
    expect(expectedHalfWidth(0.01, 1000, alpha)).toBe(exact.upper - 0.01);
    expect(expectedHalfWidth(0.01, 1000, alpha)).toBeGreaterThan(twoSidedZ(alpha) * Math.sqrt(0.0099 / 1000));
    // At 0% the variance is zero, yet the interval still has width.
    expect(expectedHalfWidth(0, 1000, alpha)).toBe(clopperPearsonInterval(0, 1000, alpha).upper);
  });
});

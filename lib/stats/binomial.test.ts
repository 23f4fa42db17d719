import { describe, expect, it } from 'vitest';
import { clopperPearsonInterval, twoSidedZ, wilsonInterval } from './binomial.ts';

/** P(X ≤ k) and P(X ≥ k) for X ~ Binomial(n, p), by summing the pmf: independent of beta functions. */
function binomialTails(k: number, n: number, p: number): { atMost: number; atLeast: number } {
  let log = n * Math.log1p(-p);
  const logRatio = Math.log(p) - Math.log1p(-p);
  let atMost = 0;
  let atLeast = 0;
  for (let j = 0; j <= n; j++) {
    const pmf = Math.exp(log);
    if (j <= k) atMost += pmf;
    if (j >= k) atLeast += pmf;
    log += Math.log((n - j) / (j + 1)) + logRatio;
  }
  return { atMost, atLeast };
}

/** The p in (0, 1) where an increasing function of p crosses `level`, by bisection. */
function solveIncreasing(f: (p: number) => number, level: number): number {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200 && high - low > 1e-15; i++) {
    const mid = (low + high) / 2;
    if (f(mid) < level) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

describe('clopperPearsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat. Med. 17,
  // Table II, method 5 ("exact"), published to 4 decimals.
  it.each([
    [81, 263, 0.2527, 0.3676],
    [15, 148, 0.0578, 0.1617],
    [0, 20, 0, 0.1684],
    [1, 29, 0.0009, 0.1776],
  ])('matches Newcombe (1998) for %i/%i', (k, n, lower, upper) => {
    const interval = clopperPearsonInterval(k, n, 0.05);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('matches the textbook value for 3/10 at 95% (R binom.test: 0.06673951, 0.65245285)', () => {
    const interval = clopperPearsonInterval(3, 10, 0.05);
    expect(Math.abs(interval.lower - 0.06673951)).toBeLessThan(1e-6);
    expect(Math.abs(interval.upper - 0.65245285)).toBeLessThan(1e-6);
  });

  it.each([
    [1, 10, 0.05],
    [5, 10, 0.05],
    [9, 10, 0.05],
    [3, 50, 0.01],
    [897, 1000, 1e-5],
    [400, 4000, 2e-7],
    [1, 1000, 1e-9],
    [999, 1000, 1e-9],
  ])('solves the binomial tail equations for %i/%i at alpha %f', (k, n, alpha) => {
    const { lower, upper } = clopperPearsonInterval(k, n, alpha);
    const expectedLower = solveIncreasing((p) => binomialTails(k, n, p).atLeast, alpha / 2);
    const expectedUpper = solveIncreasing((p) => -binomialTails(k, n, p).atMost, -alpha / 2);
    expect(Math.abs(lower - expectedLower)).toBeLessThan(1e-9);
    expect(Math.abs(upper - expectedUpper)).toBeLessThan(1e-9);
  });

  it.each([
    [1, 0.05],
    [10, 0.05],
    [1000, 1e-7],
  ])('has the closed form at k = 0 and k = n for n = %i, alpha %f', (n, alpha) => {
    const zero = clopperPearsonInterval(0, n, alpha);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo(1 - (alpha / 2) ** (1 / n), 12);
    const all = clopperPearsonInterval(n, n, alpha);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo((alpha / 2) ** (1 / n), 12);
  });

  it('mirrors complementary counts', () => {
    for (const k of [0, 1, 17, 250, 499, 500]) {
      const a = clopperPearsonInterval(k, 500, 1e-6);
      const b = clopperPearsonInterval(500 - k, 500, 1e-6);
      // One end is computed as 1 − the other's end; the other one agrees up to the rounding of 1 − x.
      expect(a.upper).toBe(1 - b.lower);
      expect(Math.abs(a.lower - (1 - b.upper))).toBeLessThan(1e-15);
    }
  });

  it('gives [0, 1] for no trials', () => {
    expect(clopperPearsonInterval(0, 0, 0.05)).toEqual({ lower: 0, upper: 1 });
  });

  it('narrows with confidence and widens with sample size as it must', () => {
    const wide = clopperPearsonInterval(90, 100, 1e-6);
    const narrow = clopperPearsonInterval(90, 100, 0.05);
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
    const more = clopperPearsonInterval(900, 1000, 1e-6);
    expect(more.upper - more.lower).toBeLessThan(wide.upper - wide.lower);
  });

  it.each([
    [-1, 10, 0.05],
    [11, 10, 0.05],
    [1.5, 10, 0.05],
    [1, 10, 0],
    [1, 10, 1],
    [1, Number.NaN, 0.05],
  ])('rejects k=%f n=%f alpha=%f', (k, n, alpha) => {
    expect(() => clopperPearsonInterval(k, n, alpha)).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998), Table II, method 3 (score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('matches Newcombe (1998) for %i/%i', (k, n, lower, upper) => {
    const interval = wilsonInterval(k, n, 0.05);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('matches the textbook value for 3/10 at 95% (R prop.test, correct = FALSE: 0.1077913, 0.6032219)', () => {
    const interval = wilsonInterval(3, 10, 0.05);
    expect(Math.abs(interval.lower - 0.1077913)).toBeLessThan(1e-6);
    expect(Math.abs(interval.upper - 0.6032219)).toBeLessThan(1e-6);
  });

  it.each([
    [3, 10, 0.05],
    [897, 1000, 1e-5],
    [1, 1000, 1e-9],
  ])('has both ends on the score boundary |p̂ − p| = z·√(p(1−p)/n) for %i/%i', (k, n, alpha) => {
    const z = twoSidedZ(alpha);
    const { lower, upper } = wilsonInterval(k, n, alpha);
    for (const p of [lower, upper]) {
      expect(Math.abs(k / n - p)).toBeCloseTo(z * Math.sqrt((p * (1 - p)) / n), 12);
    }
  });

  it('pins the boundary ends at k = 0 and k = n, with the closed form z²/(n + z²)', () => {
    const z = twoSidedZ(0.05);
    const zero = wilsonInterval(0, 20, 0.05);
    expect(zero.lower).toBe(0);
    expect(zero.upper).toBeCloseTo((z * z) / (20 + z * z), 12);
    const all = wilsonInterval(20, 20, 0.05);
    expect(all.upper).toBe(1);
    expect(all.lower).toBeCloseTo(20 / (20 + z * z), 12);
  });

  it('gives [0, 1] for no trials', () => {
    expect(wilsonInterval(0, 0, 0.05)).toEqual({ lower: 0, upper: 1 });
  });

  it('rejects k > n', () => {
    expect(() => wilsonInterval(3, 2, 0.05)).toThrow(RangeError);
  });
});

describe('twoSidedZ', () => {
  it.each([
    [0.05, 1.959963984540054],
    [0.01, 2.5758293035489],
    [1e-5, 4.417173413469],
  ])('gives the standard critical value for alpha %f', (alpha, z) => {
    expect(twoSidedZ(alpha)).toBeCloseTo(z, 9);
  });
});

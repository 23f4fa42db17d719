import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

/** A closed interval of proportions, both ends within [0, 1]. */
export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

const UNINFORMATIVE: Interval = { lower: 0, upper: 1 };

function assertCounts(k: number, n: number, alpha: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(k) || k < 0 || k > n) {
    throw new RangeError(`k must be an integer in [0, n=${n}], got ${k}`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

/**
 * The standard-normal critical value z with P(|Z| > z) = alpha.
 * Taken from the lower tail so that tiny alphas (1e-8 and below) keep full precision, which
 * `quantile(1 - alpha / 2)` would lose to rounding of `1 - alpha / 2`.
 */
export function twoSidedZ(alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  return -normalQuantile(alpha / 2, 0, 1);
}

/**
 * Clopper–Pearson ("exact") interval for k successes in n trials at confidence 1 − alpha
 * (two-sided, alpha/2 in each tail), from beta quantiles. Its coverage is at least 1 − alpha for
 * every true proportion, which is what the equivalence rule relies on.
 * n = 0 yields [0, 1]; k = 0 has lower 0 and k = n has upper 1.
 */
export function clopperPearsonInterval(k: number, n: number, alpha: number): Interval {
  assertCounts(k, n, alpha);
  if (n === 0) return UNINFORMATIVE;
  const tail = alpha / 2;
  const lower = k === 0 ? 0 : betaQuantile(tail, k, n - k + 1);
  // The upper end is the (1 − tail) quantile of Beta(k + 1, n − k); by the symmetry
  // X ~ Beta(a, b) ⇔ 1 − X ~ Beta(b, a) it is taken from the lower tail, which keeps precision for
  // tiny alphas and makes the intervals of complementary counts mirror images.
  const upper = k === n ? 1 : 1 - betaQuantile(tail, n - k, k + 1);
  return { lower, upper };
}

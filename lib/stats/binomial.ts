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
 * Wilson score interval for k successes in n trials at confidence 1 − alpha (two-sided).
 * n = 0 carries no information and yields [0, 1].
 */
export function wilsonInterval(k: number, n: number, alpha: number): Interval {
  assertCounts(k, n, alpha);
  if (n === 0) return UNINFORMATIVE;
  const z = twoSidedZ(alpha);
  const z2 = z * z;
  const p = k / n;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 and k = n one end is exactly 0 or 1 in exact arithmetic; pin it so that rounding
  // cannot put a bound a hair outside [0, 1] or away from the boundary.
  return {
    lower: k === 0 ? 0 : Math.max(0, centre - half),
    upper: k === n ? 1 : Math.min(1, centre + half),
  };
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

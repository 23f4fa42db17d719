import { clopperPearsonInterval, twoSidedZ } from './binomial.ts';
import { DEFAULT_RATIO_ALPHA, perIntervalAlpha, validateTargets } from './equivalence.ts';

/**
 * How a sequential ratio check samples: requests are sent in batches of `batchSize`, the check
 * looks at the cumulative counts after each batch, and gives up after `maxLooks` batches
 * (`maxRequests` = batchSize × maxLooks requests).
 */
export interface SamplingPlan {
  readonly batchSize: number;
  readonly maxRequests: number;
  readonly maxLooks: number;
}

/** Input of {@link planRatioSampling}. */
export interface RatioSamplingOptions {
  /** Expected share per category, as for `decideRatio`. */
  readonly targets: Readonly<Record<string, number>>;
  /** Absolute tolerance δ on each share. */
  readonly tolerance: number;
  /** Per-check false-failure rate; default 1e-5. */
  readonly alpha?: number;
  /** Requests per look; chosen from the other inputs when absent. */
  readonly batchSize?: number;
  /**
   * A fixed request budget, rounded up to a whole number of batches. When absent the smallest
   * budget that keeps a correct mesh from ending inconclusive is chosen; a smaller one raises that
   * risk (it never raises the risk of a wrong PASS).
   */
  readonly maxRequests?: number;
}

/** Batches are rounded to this many requests so that plans read well in reports. */
const BATCH_GRANULE = 50;

/**
 * About this many looks fit in the budget by default. More looks stop a clear-cut check sooner
 * (the overshoot past the first conclusive count is at most one batch), fewer looks spend less
 * of alpha on Bonferroni; since the critical value grows only like √(2 ln looks), ~20 looks keep
 * the cap within a few percent of a single-look test while the overshoot stays ≤ ~5% of the cap.
 */
const DEFAULT_LOOKS = 20;

/** Looks beyond which planning gives up, so that absurd tolerances fail loudly instead of looping. */
const MAX_PLANNED_LOOKS = 100_000;

/**
 * The half-width of the interval that a mesh exactly on target is expected to get after n
 * requests: the normal-approximation width z·√(p(1−p)/n), or the actual Clopper–Pearson
 * distance at k = round(p·n) where that is wider (near 0 and 1 the exact interval is skewed and
 * the binomial variance understates it; at p = 0 or 1 the variance is zero).
 */
export function expectedHalfWidth(target: number, n: number, intervalAlpha: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const normal = twoSidedZ(intervalAlpha) * Math.sqrt((target * (1 - target)) / n);
  const { lower, upper } = clopperPearsonInterval(Math.round(target * n), n, intervalAlpha);
  return Math.max(normal, target - lower, upper - target);
}

function fitsHalfTolerance(targets: readonly number[], n: number, intervalAlpha: number, tolerance: number) {
  return targets.every((p) => expectedHalfWidth(p, n, intervalAlpha) <= tolerance / 2);
}

/** The smallest n (not rounded to batches) at which one look would meet the half-tolerance goal. */
function singleLookRequests(targets: readonly number[], intervalAlpha: number, tolerance: number): number {
  let high = 1;
  while (!fitsHalfTolerance(targets, high, intervalAlpha, tolerance)) {
    high *= 2;
    if (high > Number.MAX_SAFE_INTEGER / 2)
      throw new RangeError(`tolerance ${tolerance} is too small to plan`);
  }
  let low = Math.floor(high / 2);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fitsHalfTolerance(targets, mid, intervalAlpha, tolerance)) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * Plans a sequential ratio check.
 *
 * The cap is the smallest multiple of the batch at which a mesh exactly on target expects every
 * interval (at the Bonferroni level that the cap's own number of looks implies) to reach at most
 * δ/2 from the target on either side. Why δ/2: at the cap such a mesh ends inconclusive only if
 * some interval pokes out of [target − δ, target + δ], i.e. only if its observed share strays
 * from the target by more than about δ − δ/2 = δ/2 ≥ the interval's half-width z·σ. That is a
 * z-sigma deviation, whose probability is about the per-interval alpha; summed over the categories
 * it is about alpha / maxLooks, below alpha/2 for any plan of two or more looks (the default
 * plans have about 20). Together with the ≤ alpha/2 chance of a false 'outside-tolerance', a
 * correct mesh fails with probability ≤ alpha. `npm run bench:stats` computes the exact figures
 * (about 1e-7 for 90/10 and 50/50 at alpha = 1e-5) and checks them by simulation.
 *
 * The price of a bounded budget: a mesh whose true share is off target by more than about δ/2,
 * though still within δ, is likely to end inconclusive (for 90/10: 22% of the time at 88/12, 89%
 * at 87/13). Only a share within about δ/2 of its target passes reliably.
 *
 * For 90/10 with δ = 0.05 and alpha = 1e-5 this gives batches of 200 and a cap of 4 600 requests
 * (23 looks); a correct mesh passes after a median of 1 400 requests (95th percentile 2 200).
 */
export function planRatioSampling(options: RatioSamplingOptions): SamplingPlan {
  const { targets, tolerance } = options;
  const alpha = options.alpha ?? DEFAULT_RATIO_ALPHA;
  validateTargets(targets, tolerance);
  const shares = Object.values(targets);
  const categories = shares.length;

  let batchSize = options.batchSize;
  if (batchSize === undefined) {
    const oneLook = singleLookRequests(shares, perIntervalAlpha(alpha, categories, 1), tolerance);
    batchSize = Math.max(BATCH_GRANULE, Math.ceil(oneLook / DEFAULT_LOOKS / BATCH_GRANULE) * BATCH_GRANULE);
  } else if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }

  if (options.maxRequests !== undefined) {
    const { maxRequests } = options;
    if (!Number.isSafeInteger(maxRequests) || maxRequests < 1) {
      throw new RangeError(`maxRequests must be a positive integer, got ${maxRequests}`);
    }
    const maxLooks = Math.ceil(maxRequests / batchSize);
    return { batchSize, maxRequests: maxLooks * batchSize, maxLooks };
  }

  for (let maxLooks = 1; maxLooks <= MAX_PLANNED_LOOKS; maxLooks++) {
    const n = maxLooks * batchSize;
    if (fitsHalfTolerance(shares, n, perIntervalAlpha(alpha, categories, maxLooks), tolerance)) {
      return { batchSize, maxRequests: n, maxLooks };
    }
  }
  throw new RangeError(`no plan within ${MAX_PLANNED_LOOKS} looks of ${batchSize} requests`);
}

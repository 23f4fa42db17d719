import { clopperPearsonInterval } from './binomial.ts';

/** Overall outcome of one look at a ratio check. */
export type RatioDecision = 'PASS' | 'FAIL' | 'CONTINUE';

/**
 * Why a look ended as it did: PASS is always 'within-tolerance', CONTINUE is always
 * 'need-more-samples', FAIL is 'outside-tolerance' (evidence against the mesh) or 'inconclusive'
 * (the request budget ran out before the evidence settled either way).
 */
export type RatioReason = 'within-tolerance' | 'outside-tolerance' | 'need-more-samples' | 'inconclusive';

/** The per-check false-failure rate used when none is given. */
export const DEFAULT_RATIO_ALPHA = 1e-5;

/** Input of {@link decideRatio}: one look at the counts observed so far. */
export interface RatioCheckInput {
  /**
   * Expected share per category, e.g. `{ v1: 0.9, v2: 0.1 }`. The shares may sum to less than 1
   * to check a single proportion against "the rest", e.g. `{ aborted: 0.1 }`.
   */
  readonly targets: Readonly<Record<string, number>>;
  /** Absolute tolerance δ on each share, e.g. 0.05 for ±5 percentage points. */
  readonly tolerance: number;
  /** Probability that a correct mesh fails this check, over all looks. Default {@link DEFAULT_RATIO_ALPHA}. */
  readonly alpha?: number;
  /**
   * Requests observed per category, cumulative over all looks so far. Categories without a target
   * (the "rest" of a single-proportion check, or an unexpected destination) count towards the
   * total only, so traffic leaking elsewhere lowers the shares of the expected categories.
   */
  readonly counts: Readonly<Record<string, number>>;
  /** Which look this is, 1-based. */
  readonly look: number;
  /** The number of looks the sampling plan allows; the alpha is shared among all of them. */
  readonly maxLooks: number;
}

/** The evidence for one category. JSON-serialisable. */
export interface CategoryVerdict {
  readonly name: string;
  readonly target: number;
  readonly count: number;
  /** count / requests, or null before any request. */
  readonly observed: number | null;
  /** Clopper–Pearson interval at the per-interval alpha. */
  readonly lower: number;
  readonly upper: number;
  /** The interval lies inside [target − δ, target + δ]. */
  readonly inBand: boolean;
  /** The interval lies entirely outside [target − δ, target + δ]. */
  readonly disjoint: boolean;
}

/** The verdict of one look at a ratio check. JSON-serialisable. */
export interface RatioVerdict {
  readonly decision: RatioDecision;
  readonly reason: RatioReason;
  readonly alpha: number;
  readonly perIntervalAlpha: number;
  readonly tolerance: number;
  /** Total requests observed, all categories including those without a target. */
  readonly requests: number;
  readonly look: number;
  readonly maxLooks: number;
  readonly categories: readonly CategoryVerdict[];
}

/**
 * The alpha of each interval: alpha / (categories × maxLooks).
 *
 * Bonferroni: the check can go wrong only if, at some look, some category's interval misses that
 * category's true share. There are categories × maxLooks such intervals, so giving each 1/(that
 * many) of the budget bounds the chance that any of them misses by alpha (a union bound), whatever
 * the dependence between them and whenever the harness stops. It is conservative — the cumulative
 * counts of successive looks are strongly correlated, and with two complementary categories the
 * two intervals miss together — but it needs no group-sequential boundary tables and costs little:
 * the critical value grows only like √(2 ln(categories × maxLooks)).
 */
export function perIntervalAlpha(alpha: number, categories: number, maxLooks: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!Number.isSafeInteger(categories) || categories < 1) {
    throw new RangeError(`categories must be a positive integer, got ${categories}`);
  }
  if (!Number.isSafeInteger(maxLooks) || maxLooks < 1) {
    throw new RangeError(`maxLooks must be a positive integer, got ${maxLooks}`);
  }
  return alpha / (categories * maxLooks);
}

/** Checks targets and tolerance; shared with the sampling planner so both reject the same inputs. */
export function validateTargets(targets: Readonly<Record<string, number>>, tolerance: number): void {
  const entries = Object.entries(targets);
  if (entries.length === 0) throw new RangeError('targets must name at least one category');
  let sum = 0;
  for (const [name, target] of entries) {
    if (!(target >= 0 && target <= 1))
      throw new RangeError(`target of ${name} must be in [0, 1], got ${target}`);
    sum += target;
  }
  // Allow for the rounding of shares such as 1/3 written out in decimal.
  if (sum > 1 + 1e-9) throw new RangeError(`targets must sum to at most 1, got ${sum}`);
  if (!(tolerance > 0 && tolerance < 1))
    throw new RangeError(`tolerance must be in (0, 1), got ${tolerance}`);
}

/**
 * Decides one look of a sequential ratio check (traffic split weights, fault-injection rates).
 *
 * Each category's share gets a Clopper–Pearson interval at {@link perIntervalAlpha}; with δ the
 * tolerance:
 * - PASS when every interval lies inside [target − δ, target + δ];
 * - FAIL ('outside-tolerance') when some interval lies entirely outside that band;
 * - CONTINUE otherwise, except at the last look, where it becomes FAIL ('inconclusive').
 *
 * Error rates, with every interval covering its true share except with probability ≤ alpha:
 * a mesh whose true shares are all within tolerance can fail through 'outside-tolerance' only if
 * an interval misses its share on one side, so with probability ≤ alpha/2; one with a share
 * outside the tolerance can pass only likewise, so with probability ≤ alpha/2. A correct mesh can
 * also fail as 'inconclusive' if the budget runs out: `planRatioSampling` chooses the cap so that,
 * for a mesh exactly on target, this too stays below alpha/2, for ≤ alpha in all. A mesh near the
 * edge of the tolerance cannot be told apart from one just outside it within a bounded budget and
 * ends 'inconclusive' by design; with the planned cap, a share off target by more than about δ/2
 * (though within δ) is already likely to (see `planRatioSampling`).
 */
export function decideRatio(input: RatioCheckInput): RatioVerdict {
  const { targets, tolerance, counts, look, maxLooks } = input;
  const alpha = input.alpha ?? DEFAULT_RATIO_ALPHA;
  validateTargets(targets, tolerance);
  if (!Number.isSafeInteger(look) || look < 1 || look > maxLooks) {
    throw new RangeError(`look must be an integer in [1, maxLooks=${maxLooks}], got ${look}`);
  }
  let requests = 0;
  for (const [name, count] of Object.entries(counts)) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`count of ${name} must be a non-negative integer, got ${count}`);
    }
    requests += count;
  }
  const names = Object.keys(targets);
  const intervalAlpha = perIntervalAlpha(alpha, names.length, maxLooks);

  const categories = names.map((name): CategoryVerdict => {
    const target = targets[name] ?? 0;
    const count = counts[name] ?? 0;
    const { lower, upper } = clopperPearsonInterval(count, requests, intervalAlpha);
    const low = target - tolerance;
    const high = target + tolerance;
    return {
      name,
      target,
      count,
      observed: requests === 0 ? null : count / requests,
      lower,
      upper,
      inBand: lower >= low && upper <= high,
      disjoint: upper < low || lower > high,
    };
  });

  const base = { alpha, perIntervalAlpha: intervalAlpha, tolerance, requests, look, maxLooks, categories };
  if (categories.some((c) => c.disjoint)) return { decision: 'FAIL', reason: 'outside-tolerance', ...base };
  if (categories.every((c) => c.inBand)) return { decision: 'PASS', reason: 'within-tolerance', ...base };
  if (look === maxLooks) return { decision: 'FAIL', reason: 'inconclusive', ...base };
  return { decision: 'CONTINUE', reason: 'need-more-samples', ...base };
}

/** Formats a proportion as a percentage with one decimal, two below 1% (fault rates can be that small). */
function percent(x: number): string {
  return (x * 100).toFixed(Math.abs(x) < 0.01 && x !== 0 ? 2 : 1);
}

/** Formats a target share without trailing zeros, as configured: 0.9 → "90", 0.005 → "0.5". */
function targetPercent(x: number): string {
  return String(Number((x * 100).toFixed(4)));
}

/** Formats a confidence level 1 − alpha, e.g. 1e-5 → "99.999%". */
function confidence(alpha: number): string {
  // toPrecision trims the binary noise of 1 − alpha (0.99999 is not exact in floating point).
  return `${Number(((1 - alpha) * 100).toPrecision(10))}%`;
}

/**
 * Plain-words account of a ratio verdict, usable as the "got" of a check, e.g.
 * "v1 served 897/1000 = 89.7% (99.999% simultaneous CI 83.9–94.0%), target 90% ± 5 points; …".
 *
 * The stated level is 1 − alpha: the Bonferroni intervals hold simultaneously, over all categories
 * and looks, at that level. Each interval on its own is wider than a plain (1 − alpha) interval.
 */
export function describeRatioVerdict(verdict: RatioVerdict): string {
  const level = confidence(verdict.alpha);
  const tolerance = targetPercent(verdict.tolerance);
  const parts = verdict.categories.map((c) => {
    const target = `target ${targetPercent(c.target)}% ± ${tolerance} points`;
    if (c.observed === null) return `${c.name} served no requests yet, ${target}`;
    return (
      `${c.name} served ${c.count}/${verdict.requests} = ${percent(c.observed)}% ` +
      `(${level} simultaneous CI ${percent(c.lower)}–${percent(c.upper)}%), ${target}`
    );
  });
  const text = parts.join('; ');
  return verdict.reason === 'inconclusive'
    ? `${text}; inconclusive after ${verdict.requests} requests (the sampling cap)`
    : text;
}

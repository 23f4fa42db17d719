import type {
  ArmCount,
  ControlledRatioVerdict,
  Judgement,
  Observation,
  SampledPlan,
  TrafficPlan,
} from '../model/index.ts';
import { describeOutcomes } from '../model/index.ts';
import { clopperPearsonInterval, type Interval, perIntervalAlpha } from '../stats/index.ts';

/**
 * A share judged against a control arm, for effects a client can only see through a noisy
 * signal: a delay fault shows as latency, and a loaded machine makes undelayed requests slow too.
 *
 * The plan's requests alternate between a scoped arm (the effect is configured for it, e.g. by a
 * header match) and a control arm (no effect), on the same connections at the same time. A
 * request "looks affected" when the signal shows (e.g. latency at least the delay). Two facts
 * make the comparison exact whatever the load:
 * - every affected request looks affected (load only adds latency, it never removes a delay);
 * - an unaffected request looks affected with the same chance q in both arms, because they take
 *   turns on the same connections.
 * So the scoped arm looks affected at rate r = p + (1 − p)·q and the control arm at rate q, and
 * the effect's share is p = (r − q) / (1 − q), increasing in r and decreasing in q.
 */
export interface ControlledRatioSpec {
  /** Expected share of the scoped arm's requests that carry the effect, e.g. 0.2. */
  readonly target: number;
  /** Absolute tolerance on that share. */
  readonly tolerance: number;
  /** False-failure rate of the check on a conformant mesh, over all looks. */
  readonly alpha: number;
  /**
   * The share of unaffected requests that may look affected (the load's doing) for which the
   * sampling cap is planned: above it a conformant mesh is more likely to end inconclusive.
   */
  readonly plannedNoise: number;
  /** Arm names in the plan. */
  readonly arms: { readonly scoped: string; readonly control: string };
}

/** How one request looks: the effect shows, it does not, or the request failed outright. */
export type ControlledClass = 'affected' | 'unaffected' | 'failed';

export type { ControlledRatioVerdict };

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** p = (r − q) / (1 − q); 1 when q = 1 (nothing can be told apart, and the interval says so). */
function effectShare(r: number, q: number): number {
  return q >= 1 ? 1 : clamp((r - q) / (1 - q));
}

/**
 * The effect's share as an interval, from intervals of the two arms' rates: the lower end takes
 * the scoped arm's lower and the control arm's upper bound, the upper end the other way round.
 */
export function effectInterval(scoped: Interval, control: Interval): Interval {
  return {
    lower: control.upper >= 1 ? 0 : effectShare(scoped.lower, control.upper),
    upper: effectShare(scoped.upper, control.lower),
  };
}

function countArm(observations: readonly Observation[], classify: (o: Observation) => ControlledClass) {
  let affected = 0;
  let failed = 0;
  for (const o of observations) {
    const c = classify(o);
    if (c === 'affected') affected++;
    else if (c === 'failed') failed++;
  }
  return { requests: observations.length, affected, failed };
}

/**
 * One look (pure): Clopper–Pearson intervals for both arms' rates, each at alpha / (2 × maxLooks)
 * (Bonferroni over the two arms and every look), mapped to an interval for the effect's share.
 * PASS when it lies inside target ± tolerance, FAIL when outside; any failed request fails the
 * check (the effect must not break requests). With both arm intervals covering their rates
 * (probability ≥ 1 − alpha), a conformant mesh cannot fail outside the band, nor a
 * non-conformant one pass.
 */
export function decideControlledRatio(
  observations: readonly Observation[],
  classify: (o: Observation) => ControlledClass,
  spec: ControlledRatioSpec,
  look: number,
  maxLooks: number,
): ControlledRatioVerdict {
  const scopedCount = countArm(
    observations.filter((o) => o.arm === spec.arms.scoped),
    classify,
  );
  const controlCount = countArm(
    observations.filter((o) => o.arm === spec.arms.control),
    classify,
  );
  const intervalAlpha = perIntervalAlpha(spec.alpha, 2, maxLooks);
  const rate = (c: ArmCount) => clopperPearsonInterval(c.affected, c.requests - c.failed, intervalAlpha);
  const scoped = { ...scopedCount, ...rate(scopedCount) };
  const control = { ...controlCount, ...rate(controlCount) };
  const { lower, upper } = effectInterval(scoped, control);
  const usable = (c: ArmCount) => c.requests - c.failed;
  const estimate =
    usable(scopedCount) > 0 && usable(controlCount) > 0
      ? effectShare(scopedCount.affected / usable(scopedCount), controlCount.affected / usable(controlCount))
      : null;
  const low = spec.target - spec.tolerance;
  const high = spec.target + spec.tolerance;
  const base = {
    target: spec.target,
    tolerance: spec.tolerance,
    alpha: spec.alpha,
    perIntervalAlpha: intervalAlpha,
    look,
    maxLooks,
    scoped,
    control,
    estimate,
    lower,
    upper,
  };
  if (scoped.failed + control.failed > 0) return { decision: 'FAIL', reason: 'failures', ...base };
  if (upper < low || lower > high) return { decision: 'FAIL', reason: 'outside-tolerance', ...base };
  if (lower >= low && upper <= high) return { decision: 'PASS', reason: 'within-tolerance', ...base };
  if (look >= maxLooks) return { decision: 'FAIL', reason: 'inconclusive', ...base };
  return { decision: 'CONTINUE', reason: 'need-more-samples', ...base };
}

/** Batches are whole multiples of this many requests per arm. */
const batchGranule = 50;
/** About this many looks fit in the cap (as for the plain ratio checks). */
const plannedLooks = 20;
const maxPlannedLooks = 10_000;

/**
 * The half-width a mesh exactly on target, with the planned noise, expects after n requests per
 * arm: the distance from the target to the far end of the effect's interval at the expected counts.
 */
function expectedHalfWidth(spec: ControlledRatioSpec, n: number, intervalAlpha: number): number {
  const q = spec.plannedNoise;
  const r = spec.target + (1 - spec.target) * q;
  const { lower, upper } = effectInterval(
    clopperPearsonInterval(Math.round(r * n), n, intervalAlpha),
    clopperPearsonInterval(Math.round(q * n), n, intervalAlpha),
  );
  return Math.max(spec.target - lower, upper - spec.target);
}

/**
 * The sampling of a controlled ratio: batches of both arms, and the cap at which a mesh on target
 * with the planned noise expects the effect's interval to reach within tolerance/2 of the target
 * (so that it ends inconclusive only through a deviation as unlikely as the per-interval alpha,
 * as `planRatioSampling` argues for the plain ratio).
 */
export function planControlledRatio(spec: ControlledRatioSpec): {
  readonly batchSize: number;
  readonly maxRequests: number;
  readonly maxLooks: number;
} {
  const fits = (n: number, looks: number) =>
    expectedHalfWidth(spec, n, perIntervalAlpha(spec.alpha, 2, looks)) <= spec.tolerance / 2;
  let high = batchGranule;
  while (!fits(high, 1)) {
    high *= 2;
    if (high > 1e8) throw new RangeError(`tolerance ${spec.tolerance} is too small to plan`);
  }
  let low = Math.floor(high / 2);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid, 1)) high = mid;
    else low = mid;
  }
  const oneLook = high;
  const perArm = Math.max(batchGranule, Math.ceil(oneLook / plannedLooks / batchGranule) * batchGranule);
  for (let looks = 1; looks <= maxPlannedLooks; looks++) {
    if (fits(looks * perArm, looks)) {
      return { batchSize: 2 * perArm, maxRequests: 2 * perArm * looks, maxLooks: looks };
    }
  }
  throw new RangeError(`no plan within ${maxPlannedLooks} looks`);
}

/** The sampled plan of a controlled ratio: the two arms interleaved, in planned batches. */
export function sampledControlledPlan(
  plan: TrafficPlan,
  spec: ControlledRatioSpec,
  scopedHeaders: Readonly<Record<string, string>>,
): SampledPlan & { readonly maxLooks: number } {
  const sampling = planControlledRatio(spec);
  return {
    plan: {
      ...plan,
      arms: [
        { name: spec.arms.scoped, headers: scopedHeaders },
        { name: spec.arms.control, headers: {} },
      ],
    },
    batchSize: sampling.batchSize,
    maxRequests: sampling.maxRequests,
    maxLooks: sampling.maxLooks,
  };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Judges a look (pure) and words it: both arms' rates, the effect's share and its interval. */
export function judgeControlledRatio(
  observations: readonly Observation[],
  classify: (o: Observation) => ControlledClass,
  spec: ControlledRatioSpec,
  sampled: { readonly batchSize: number; readonly maxLooks: number },
  effect: string,
): Judgement {
  const look = Math.min(sampled.maxLooks, Math.max(1, Math.ceil(observations.length / sampled.batchSize)));
  const v = decideControlledRatio(observations, classify, spec, look, sampled.maxLooks);
  const level = `${Number(((1 - spec.alpha) * 100).toPrecision(10))}%`;
  const arm = (name: string, c: ArmCount) =>
    `${name} ${c.affected}/${c.requests - c.failed} ${effect}${c.failed > 0 ? ` (${c.failed} failed)` : ''}`;
  const share =
    v.estimate === null
      ? 'no share yet'
      : `${effect} share ${percent(v.estimate)} (${level} simultaneous CI ${percent(v.lower)}–${percent(v.upper)})`;
  const status = v.decision === 'PASS' ? 'PASSED' : v.decision === 'FAIL' ? 'FAILED' : 'CONTINUE';
  const why =
    v.reason === 'failures'
      ? `; requests failed: ${describeOutcomes(observations.filter((o) => classify(o) === 'failed'))}`
      : v.reason === 'inconclusive'
        ? `; inconclusive after ${observations.length} requests (the sampling cap)`
        : '';
  return {
    status,
    want: `${effect} ${percent(spec.target)} ± ${spec.tolerance * 100} points of the ${spec.arms.scoped} requests beyond the ${spec.arms.control} arm's rate, no request failing (false-failure rate ≤ ${spec.alpha})`,
    got: `${arm(spec.arms.scoped, v.scoped)}, ${arm(spec.arms.control, v.control)}: ${share}, target ${percent(spec.target)} ± ${spec.tolerance * 100} points${why}`,
    evidence: { controlledRatio: { kind: 'control-arm', verdict: v, arms: spec.arms } },
  };
}

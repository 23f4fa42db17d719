import type { ChaosAction } from './chaos-action.ts';
import type { ChaosTimeline } from './chaos-timeline.ts';
import type { Feature, Profile } from './feature.ts';
import type { Intent } from './intent.ts';
import type { JudgeContext } from './judge-context.ts';
import type { Observation, SampledPlan, TrafficPlan } from './traffic.ts';
import type { Judgement } from './verdict.ts';

/** A probe that shows the intents are in effect before measuring. */
export interface Convergence {
  /** One probe; usually a single request, a burst where only a burst can show the intent (rate limits). */
  readonly plan: TrafficPlan;
  /** True when a request of the probe shows the intended behaviour. */
  readonly confirmed: (observation: Observation, ctx: JudgeContext) => boolean;
  /**
   * When set, a probe confirms only if its requests show the intent together (e.g. none failed
   * once an endpoint is ejected), instead of any one of them satisfying `confirmed`.
   */
  readonly confirmedBatch?: (observations: readonly Observation[], ctx: JudgeContext) => boolean;
  /** Pause after convergence, e.g. for a rate limit's budget to refill after the probes. */
  readonly settleMs?: number;
}

/** For the `default` of an exhaustive switch: a value of a kind nobody handles fails to compile. */
export function unreachable(value: never): never {
  throw new Error(`unhandled kind: ${JSON.stringify(value)}`);
}

/**
 * One conformance check: a stable dotted id, the features it needs, the intents it applies,
 * the traffic it sends and a pure judge of what was observed.
 */
export interface Check<Plans extends string = string> {
  readonly id: string;
  readonly description: string;
  readonly features: readonly Feature[];
  readonly profile: Profile;
  readonly intents: readonly Intent[];
  /** Faults forced on the fixtures before measuring. */
  readonly chaos?: readonly ChaosAction[];
  /**
   * Steady traffic with actions fired while it flows (lib/chaos/). A check with a timeline is
   * judged on it by `timeline.judge`; its `traffic` is empty and its `judge` is never called.
   */
  readonly timeline?: ChaosTimeline;
  readonly convergence?: Convergence;
  /** Named traffic, sent in declaration order. */
  readonly traffic: Readonly<Record<Plans, TrafficPlan | SampledPlan>>;
  readonly judge: (
    observations: Readonly<Record<Plans, readonly Observation[]>>,
    ctx: JudgeContext,
  ) => Judgement;
  /** False-failure bound of the judge on a conformant mesh (statistical checks only). */
  readonly alpha?: number;
  /**
   * The mesh's metrics are scraped before the named traffic and after each batch of it; the judge
   * is given the difference (`JudgeContext.metrics`).
   */
  readonly readsMetrics?: boolean;
}

/** Declares a check with its plan names inferred from `traffic`. */
export function defineCheck<Plans extends string>(check: Check<Plans>): Check<Plans> {
  return check;
}

/** True for a sampled plan. */
export function isSampled(traffic: TrafficPlan | SampledPlan): traffic is SampledPlan {
  return 'plan' in traffic;
}

/** Every traffic plan a check sends: its convergence probe, its named traffic, its timeline's streams. */
export function plansOf(check: Check): TrafficPlan[] {
  return [
    ...(check.convergence ? [check.convergence.plan] : []),
    ...Object.values<TrafficPlan | SampledPlan>(check.traffic).map((t) => (isSampled(t) ? t.plan : t)),
    ...Object.values(check.timeline?.streams ?? {}).map((s) => s.plan),
  ];
}

/** Every chaos action a check performs: before its traffic, then on its timeline. */
export function chaosOf(check: Check): ChaosAction[] {
  return [...(check.chaos ?? []), ...(check.timeline?.actions ?? []).map((a) => a.action)];
}

import type { ChaosTimeline, Check } from '../model/index.ts';

/** What a chaos check declares: a check whose traffic is its timeline's streams and whose judge reads the timeline. */
export type ChaosCheckDeclaration<Streams extends string> = Omit<Check, 'traffic' | 'judge' | 'timeline'> & {
  readonly timeline: ChaosTimeline<Streams>;
};

/**
 * Declares a chaos check, its stream names inferred from the timeline. The runner runs its
 * timeline instead of sampling `traffic`, and judges it with `timeline.judge`; `traffic` is empty,
 * and `judge` (never called for a check with a timeline) says so if anything calls it.
 */
export function defineChaosCheck<Streams extends string>(declaration: ChaosCheckDeclaration<Streams>): Check {
  return {
    ...declaration,
    // A judge of the record of its own streams, run by the runner on that record only.
    timeline: declaration.timeline as unknown as ChaosTimeline,
    traffic: {},
    judge: () => {
      throw new Error(`${declaration.id} is judged on its timeline (timeline.judge), not on sampled traffic`);
    },
  };
}

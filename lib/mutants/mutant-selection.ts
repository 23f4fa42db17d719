import type { DefectFootprint } from './defect-footprint.ts';

/**
 * How many of a defect's checks the gate runs: `targets` only those that decide its score (the
 * checks it names), `thorough` every check whose verdict it can change (its footprint).
 */
export type MutantsMode = 'targets' | 'thorough';

/** A check and why it ran, or was not run, under a defect. */
export interface SelectedCheck {
  readonly id: string;
  readonly because: string;
}

/** Which checks run under a defect, and why the others do not. */
export interface MutantSelection {
  /** Why every check's verdict can change under the defect (it then has no `skipped`); else null. */
  readonly everyCheck: string | null;
  readonly ran: readonly SelectedCheck[];
  /** Not run: the defect renders the same for them, so their verdict is the conformant one. */
  readonly skipped: readonly SelectedCheck[];
  /** Not run in `targets` mode: the defect can change their verdict, but does not name them. */
  readonly notNamed: readonly SelectedCheck[];
}

export const notNamedReason = 'not run: not named by the defect (would run with --thorough)';

/**
 * The checks to run under a defect (pure). A defect is caught when every check it names FAILED,
 * so in `targets` mode only those run: the other checks of its footprint cannot change its score
 * (`thorough` runs them too, to show what else the defect breaks). A named check outside the
 * footprint stays skipped: the defect cannot change its verdict, so it is not caught.
 */
export function selectMutantChecks(
  footprint: DefectFootprint,
  targets: readonly string[],
  mode: MutantsMode,
): MutantSelection {
  const ran: SelectedCheck[] = [];
  const skipped: SelectedCheck[] = [];
  const notNamed: SelectedCheck[] = [];
  for (const { id, run, because } of footprint.checks) {
    if (!run) skipped.push({ id, because });
    else if (mode === 'targets' && !targets.includes(id)) notNamed.push({ id, because: notNamedReason });
    else ran.push({ id, because });
  }
  return { everyCheck: footprint.everyCheck, ran, skipped, notNamed };
}

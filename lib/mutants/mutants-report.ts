import { type ReferenceDefect, referenceDefects } from '../meshes/reference/defects.ts';
import type { CheckResult } from '../model/index.ts';
import type { MutantSelection, MutantsMode, SelectedCheck } from './mutant-selection.ts';

/** One defect's outcome in `reports/mutants.json`. */
export interface MutantResult {
  readonly name: string;
  readonly description: string;
  /** True when every check the defect targets FAILED (an ERROR is the harness breaking, not a catch). */
  readonly caught: boolean;
  readonly targets: readonly string[];
  readonly failedChecks: readonly string[];
  readonly erroredChecks: readonly string[];
  /**
   * Why every check's verdict can change under this defect (all of them ran in `thorough` mode);
   * null when only those it renders differently for can change.
   */
  readonly everyCheck: string | null;
  readonly ran: readonly SelectedCheck[];
  /** Checks not run: the defect renders the same for them, so their verdict is the conformant one. */
  readonly skipped: readonly SelectedCheck[];
  /** Checks not run in `targets` mode: the defect may change their verdict, but does not name them. */
  readonly notNamed: readonly SelectedCheck[];
  /**
   * Targets the defect renders the same for: it cannot change their verdict, so it is not
   * caught (the defect's effect is hidden from its checks, or it must declare `unrenderedEffect`).
   */
  readonly unreachableTargets: readonly string[];
  readonly durationMs: number;
}

/** `reports/mutants.json`: the mutation score of the suite against the reference mesh's defects. */
export interface MutantsReport {
  /** True when the conformant mesh had no failure and every defect was caught. */
  readonly passed: boolean;
  /** Which checks ran under each defect: those it names (`targets`) or its whole footprint (`thorough`). */
  readonly mode: MutantsMode;
  readonly modeDescription: string;
  readonly defects: readonly MutantResult[];
  readonly conformantFailures: number;
  readonly conformantFailedChecks: readonly string[];
  readonly score: number;
  /**
   * Check runs under defects; those skipped because the defect renders the same for them; those
   * not run because the defect does not name them (`targets` mode).
   */
  readonly checkRuns: { readonly ran: number; readonly skipped: number; readonly notNamed: number };
  readonly durationMs: number;
}

const modeDescriptions: Record<MutantsMode, string> = {
  targets:
    'under each defect only the checks it names (they decide its score); the other checks whose configuration it changes are listed as notNamed (run them with --thorough)',
  thorough: 'under each defect every check whose configuration it changes (or every check, see everyCheck)',
};

/** Ids of the checks with one of these statuses. */
export function idsWith(
  checks: readonly CheckResult[],
  statuses: readonly CheckResult['status'][],
): string[] {
  return checks.filter((c) => statuses.includes(c.status)).map((c) => c.id);
}

/**
 * Judges a mutation run (pure): caught when every target among the selected checks ran and
 * FAILED.
 */
export function judgeMutant(
  name: ReferenceDefect,
  selection: MutantSelection,
  checks: readonly CheckResult[],
  selectedIds: readonly string[],
  durationMs: number,
): MutantResult {
  const targets = referenceDefects[name].catches.filter((t) => selectedIds.includes(t));
  const failedChecks = idsWith(checks, ['FAILED']);
  const { skipped } = selection;
  return {
    name,
    description: referenceDefects[name].description,
    caught: targets.every((t) => failedChecks.includes(t)),
    targets,
    failedChecks,
    erroredChecks: idsWith(checks, ['ERROR']),
    everyCheck: selection.everyCheck,
    ran: selection.ran,
    skipped,
    notNamed: selection.notNamed,
    unreachableTargets: targets.filter((t) => skipped.some((s) => s.id === t)),
    durationMs: Math.round(durationMs),
  };
}

/** The whole gate's report (pure): it passes when the conformant mesh has no failure and every defect is caught. */
export function buildMutantsReport(
  mode: MutantsMode,
  defects: readonly MutantResult[],
  conformantChecks: readonly CheckResult[],
  durationMs: number,
): MutantsReport {
  const conformantFailedChecks = idsWith(conformantChecks, ['FAILED', 'ERROR']);
  const caught = defects.filter((d) => d.caught).length;
  return {
    passed: conformantFailedChecks.length === 0 && caught === defects.length,
    mode,
    modeDescription: modeDescriptions[mode],
    defects,
    conformantFailures: conformantFailedChecks.length,
    conformantFailedChecks,
    score: defects.length === 0 ? 1 : caught / defects.length,
    checkRuns: {
      ran: defects.reduce((n, d) => n + d.ran.length, 0),
      skipped: defects.reduce((n, d) => n + d.skipped.length, 0),
      notNamed: defects.reduce((n, d) => n + d.notNamed.length, 0),
    },
    durationMs: Math.round(durationMs),
  };
}

import type { Check, CheckResult, Environment } from '../model/index.ts';
import { runCheck } from './run-check.ts';

/**
 * The one interface through which a run tells its reporters what happens, with typed results (never
 * test-runner tasks): `onRunStart` once, before the environment starts; `onCheckResult` once per
 * check as it completes, in run order. The CLI builds the report once from the results
 * (`lib/report/run-report.ts`) and writes every format from it.
 */
export interface RunReporter {
  onRunStart?(checks: readonly Check[]): void;
  onCheckResult?(result: CheckResult, completed: number, total: number): void;
}

export interface SuiteOptions {
  readonly reporters?: readonly RunReporter[];
  /** True once the run is being stopped: no further check starts, and the one under way is not counted. */
  readonly stopped?: () => boolean;
}

/**
 * Runs the selected checks one after the other on a running environment and returns their results
 * in run order. A check whose run breaks the harness itself is an ERROR, never a lost result.
 */
export async function runSuite(
  env: Environment,
  checks: readonly Check[],
  { reporters = [], stopped = () => false }: SuiteOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    if (stopped()) break;
    const result = await runCheck(check, env, check.id).catch((error: unknown) =>
      harnessError(check, (error as Error).message),
    );
    if (stopped()) break;
    results.push(result);
    for (const reporter of reporters) reporter.onCheckResult?.(result, results.length, checks.length);
  }
  return results;
}

/** The result of a check whose run broke the harness (it threw instead of returning a result). */
export function harnessError(check: Check, message: string): CheckResult {
  return {
    id: check.id,
    description: check.description,
    status: 'ERROR',
    profile: check.profile,
    features: check.features,
    durationMs: 0,
    want: 'the harness runs the check to a verdict',
    got: `the harness broke: ${message}`,
    reason: message,
    evidence: {},
  };
}

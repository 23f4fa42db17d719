import { writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ReferenceDefect, referenceDefectNames, referenceDefects } from '../meshes/reference/defects.ts';
import type { CheckResult } from '../model/index.ts';
import { executeRun, preflight } from './execute-run.ts';
import type { RunOptions } from './validate-run.ts';

/** One defect's outcome in `reports/mutants.json`. */
export interface MutantResult {
  readonly name: string;
  readonly description: string;
  /** True when every check the defect targets FAILED (an ERROR is the harness breaking, not a catch). */
  readonly caught: boolean;
  readonly targets: readonly string[];
  readonly failedChecks: readonly string[];
  readonly erroredChecks: readonly string[];
  readonly durationMs: number;
}

/** `reports/mutants.json`: the mutation score of the suite against the reference mesh's defects. */
export interface MutantsReport {
  readonly defects: readonly MutantResult[];
  readonly conformantFailures: number;
  readonly conformantFailedChecks: readonly string[];
  readonly score: number;
  readonly durationMs: number;
}

const idsWith = (checks: readonly CheckResult[], statuses: readonly CheckResult['status'][]) =>
  checks.filter((c) => statuses.includes(c.status)).map((c) => c.id);

/** Judges a mutation run (pure): caught when every target failed. */
export function judgeMutant(
  name: ReferenceDefect,
  checks: readonly CheckResult[],
  durationMs: number,
): MutantResult {
  const targets = referenceDefects[name].catches;
  const failedChecks = idsWith(checks, ['FAILED']);
  return {
    name,
    description: referenceDefects[name].description,
    caught: targets.every((t) => failedChecks.includes(t)),
    targets,
    failedChecks,
    erroredChecks: idsWith(checks, ['ERROR']),
    durationMs: Math.round(durationMs),
  };
}

/**
 * `meshproof mutants`: the suite once on the conformant reference mesh and once per defect. The
 * exit code is 0 only when the conformant run has no failure and every defect is caught.
 */
export async function runMutants(options: RunOptions): Promise<number> {
  await preflight(options);
  const started = performance.now();
  const dir = join(resolve(options.output), 'mutants');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(
    `mutation testing: the suite on the conformant reference mesh, then once per defect (${referenceDefectNames.length})`,
  );

  const conformant = await executeRun(
    { ...options, defects: [], output: dir },
    { progress: false, runName: 'conformant' },
  );
  const conformantFailedChecks = idsWith(conformant.report.checks, ['FAILED', 'ERROR']);
  say(
    `  ${'(conformant)'.padEnd(26)} ${conformantFailedChecks.length === 0 ? 'no failures' : `FAILED: ${conformantFailedChecks.join(', ')}`}`,
  );

  const defects: MutantResult[] = [];
  for (const name of referenceDefectNames) {
    const t0 = performance.now();
    const outcome = await executeRun(
      { ...options, defects: [name], output: dir },
      { progress: false, runName: name },
    );
    const result = judgeMutant(name, outcome.report.checks, performance.now() - t0);
    defects.push(result);
    say(
      `  ${name.padEnd(26)} ${result.caught ? 'caught ' : 'MISSED '} failed: ${result.failedChecks.join(', ') || 'none'}${result.erroredChecks.length > 0 ? `; ERROR: ${result.erroredChecks.join(', ')}` : ''}`,
    );
  }
  const report: MutantsReport = {
    defects,
    conformantFailures: conformantFailedChecks.length,
    conformantFailedChecks,
    score: defects.filter((d) => d.caught).length / defects.length,
    durationMs: Math.round(performance.now() - started),
  };
  const file = join(resolve(options.output), 'mutants.json');
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  const ok = report.conformantFailures === 0 && defects.every((d) => d.caught);
  say(
    `\n${ok ? 'PASSED' : 'FAILED'}: ${defects.filter((d) => d.caught).length}/${defects.length} defects caught, ${report.conformantFailures} failure(s) on the conformant mesh, score ${report.score.toFixed(2)} · ${(report.durationMs / 1000).toFixed(0)} s\n  ${relative(process.cwd(), file)}`,
  );
  return ok ? 0 : 1;
}

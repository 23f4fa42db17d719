import { relative } from 'node:path';
import { readBenchReport } from '../report/report-schema.ts';
import { terminalText } from '../text/terminal-escape.ts';
import { executeRun, preflight } from './execute-run.ts';
import { harnessVersion } from './harness-version.ts';
import type { RunOptions } from './validate-run.ts';

/** `meshproof run`: the exit code is 0 when conformant, 1 when a check FAILED or ERRORed. */
export async function runConformance(options: RunOptions): Promise<number> {
  const bench = options.bench ? (await readBenchReport(options.bench)).report : undefined;
  const checks = await preflight(options);
  process.stdout.write(
    `meshproof ${harnessVersion()} · mesh ${options.mesh} · platform ${options.platform}${options.defects.length > 0 ? ` · defects ${options.defects.join(',')}` : ''}\n`,
  );
  const outcome = await executeRun(options, checks, { progress: true, ...(bench ? { bench } : {}) });
  for (const failure of outcome.writerFailures)
    process.stderr.write(`warning: a report could not be written: ${terminalText(failure)}\n`);
  const { summary, verdict } = outcome.report;
  process.stdout.write(
    `\n${verdict}: ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.notSupported} not supported, ${summary.skipped} skipped · run ${outcome.report.runId} · false-failure bound ${outcome.report.falseFailureBound.toExponential(1)}\n`,
  );
  for (const file of outcome.files)
    process.stdout.write(`  ${terminalText(relative(process.cwd(), file) || file)}\n`);
  return verdict === 'PASSED' ? 0 : 1;
}

#!/usr/bin/env node
/**
 * `node lib/ci/github-annotations-command.ts REPORT [BASELINE]`: prints the GitHub Actions
 * annotations of a conformance run (report.json or its run folder) as workflow commands, marking
 * regressions against BASELINE when given. Exit 0; 2 with one coded line when a report is
 * unreadable or not a conformance report.
 */
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import type { ConformanceReport } from '../report/conformance-report.ts';
import { diffReports } from '../report/diff-reports.ts';
import { renderGithubAnnotations } from '../report/github-annotations.ts';
import { readRunReport } from '../report/report-schema.ts';

async function conformanceReport(path: string): Promise<ConformanceReport> {
  const read = await readRunReport(path);
  if (read.kind !== 'ConformanceReport') {
    throw new MeshproofError(
      'MESHPROOF_REPORT_INCOMPATIBLE',
      `${read.file} is a ${read.kind}; annotations are made from a conformance run's report.json`,
    );
  }
  return read.report;
}

async function main(args: readonly string[]): Promise<void> {
  const [reportPath, baselinePath, ...rest] = args;
  if (!reportPath || rest.length > 0) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      'usage: node lib/ci/github-annotations-command.ts REPORT [BASELINE] (report.json files or run folders)',
    );
  }
  const report = await conformanceReport(reportPath);
  const diff = baselinePath ? diffReports(await conformanceReport(baselinePath), report) : undefined;
  process.stdout.write(renderGithubAnnotations(report, diff));
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (!isMeshproofError(error)) throw error;
  process.stderr.write(`${formatError(error)}\n`);
  process.exitCode = 2;
}

import { cpus } from 'node:os';
import type { BenchReport } from '../bench/bench-report.ts';
import type { Check } from '../model/index.ts';
import { buildConformanceReport, type ConformanceReport, type ReportInput } from './conformance-report.ts';
import { reportWriters, writeReports } from './report-writers.ts';

/** What a finished (or interrupted) run hands back to the CLI. */
export interface RunOutcome {
  readonly report: ConformanceReport;
  readonly files: readonly string[];
  readonly writerFailures: readonly string[];
}

/** What the report is built from (the end time and the machine are added here). */
export interface RunReportInput extends Omit<ReportInput, 'finishedAt' | 'environment' | 'selected'> {
  /** The checks the run selected (an interrupted run's report names those it did not reach). */
  readonly selected: readonly Check[];
  /** A benchmark report.html shows after the checks (`meshproof run --bench`). */
  readonly bench?: BenchReport;
}

/** Builds the run's report once from its results and writes every format into `config.outputDir`. */
export async function writeRunReport(input: RunReportInput): Promise<RunOutcome> {
  const { bench, selected, ...rest } = input;
  const report = buildConformanceReport({
    ...rest,
    finishedAt: new Date(),
    environment: { node: process.version, os: process.platform, arch: process.arch, cpus: cpus().length },
    selected: selected.map((check) => check.id),
  });
  const { written, failures } = await writeReports(
    report,
    input.config.outputDir,
    reportWriters(bench ? { bench } : {}),
  );
  return { report, files: written, writerFailures: failures };
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceReport } from './conformance-report.ts';
import { type HtmlReportOptions, renderHtmlReport } from './html-report.ts';
import { renderJunit } from './junit-report.ts';
import { reportSchemaPath, reportSchemaProblems } from './report-schema.ts';
import { renderSummaryMarkdown } from './summary-markdown.ts';

/** One output format: renders the report into a file of the run folder. */
export type ReportWriter = (report: ConformanceReport) => string;

/**
 * Output formats by file name; each is rendered from the same report object (report.html may
 * also show a benchmark). The CLI lists the files in this order, so the CI summary comes last,
 * where a reader's eye lands.
 */
export function reportWriters(html: HtmlReportOptions = {}): Readonly<Record<string, ReportWriter>> {
  return {
    'report.json': (report) => `${JSON.stringify(report, null, 2)}\n`,
    'junit.xml': renderJunit,
    'report.html': (report) => renderHtmlReport(report, html),
    'summary.md': renderSummaryMarkdown,
  };
}

/**
 * Writes every format into `dir` (created). One broken writer must not cost the others: its failure is returned,
 * not thrown. A report that does not match its published schema is still written (it is all
 * the run has), and the mismatch is returned as a failure so the harness bug is seen.
 */
export async function writeReports(
  report: ConformanceReport,
  dir: string,
  writers: Readonly<Record<string, ReportWriter>> = reportWriters(),
): Promise<{ written: string[]; failures: string[] }> {
  const written: string[] = [];
  const failures: string[] = [];
  // The run folder is made only now: a run killed before its end leaves no empty folder.
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    return { written, failures: [`${dir}: ${(error as Error).message}`] };
  }
  try {
    const problems = reportSchemaProblems(report);
    if (problems.length > 0) {
      failures.push(
        `report.json: written, but it does not match ${reportSchemaPath}: ${problems.slice(0, 5).join('; ')}`,
      );
    }
  } catch (error) {
    failures.push(
      `report.json: written, but ${reportSchemaPath} could not be checked: ${(error as Error).message}`,
    );
  }
  for (const [file, render] of Object.entries(writers)) {
    try {
      await writeFile(join(dir, file), render(report));
      written.push(join(dir, file));
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { written, failures };
}

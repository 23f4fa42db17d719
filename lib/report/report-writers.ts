import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConformanceReport } from './conformance-report.ts';
import { renderJunit } from './junit-report.ts';

/** One output format: renders the report into a file of the run folder. */
export type ReportWriter = (report: ConformanceReport) => string;

/** Output formats by file name; each is rendered from the same report object. */
export const reportWriters: Readonly<Record<string, ReportWriter>> = {
  'report.json': (report) => `${JSON.stringify(report, null, 2)}\n`,
  'junit.xml': renderJunit,
};

/**
 * Writes every format. One broken writer must not cost the others: its failure is returned,
 * not thrown.
 */
export async function writeReports(
  report: ConformanceReport,
  dir: string,
): Promise<{ written: string[]; failures: string[] }> {
  const written: string[] = [];
  const failures: string[] = [];
  for (const [file, render] of Object.entries(reportWriters)) {
    try {
      await writeFile(join(dir, file), render(report));
      written.push(join(dir, file));
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { written, failures };
}

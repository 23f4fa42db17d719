import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { renderBenchMarkdown } from '../bench/bench-markdown.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { renderBenchHtml } from './bench-html.ts';

/** Where a benchmark run's files go: `<output>/bench/<run-id>/`. */
export function benchRunDir(output: string, runId: string): string {
  return join(resolve(output), 'bench', runId);
}

/** Name of the link to the newest benchmark run, next to `latest` of conformance runs. */
export const latestBenchLink = 'latest-bench';

/**
 * Writes bench.json, bench.md and bench.html into `<output>/bench/<run-id>/` and points
 * `<output>/latest-bench` at it. Returns the files written.
 */
export async function writeBenchFiles(report: BenchReport, output: string): Promise<string[]> {
  const dir = benchRunDir(output, report.runId);
  await mkdir(dir, { recursive: true });
  const files = {
    'bench.json': `${JSON.stringify(report, null, 2)}\n`,
    'bench.md': renderBenchMarkdown(report),
    'bench.html': renderBenchHtml(report),
  };
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), content);
    written.push(join(dir, name));
  }
  const link = join(resolve(output), latestBenchLink);
  await rm(link, { force: true });
  await symlink(relative(resolve(output), dir), link).catch(() => undefined);
  return written;
}

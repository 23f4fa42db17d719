import { writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { diffBenchReports } from '../bench/bench-diff.ts';
import { renderBenchDiffMarkdown, renderBenchDiffTable } from '../bench/bench-diff-formats.ts';
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { renderDiffMarkdown, renderDiffTable } from '../report/diff-formats.ts';
import { diffReports } from '../report/diff-reports.ts';
import { type RunReport, readRunReport } from '../report/report-schema.ts';
import { prepareOutputFolder } from './output-paths.ts';

/** Options of `meshproof diff BASE CANDIDATE [--output DIR]`. */
export interface DiffOptions {
  /** report.json or bench.json of the run before the change (or its run folder). */
  readonly base: string;
  /** report.json or bench.json of the run after the change (or its run folder). */
  readonly candidate: string;
  /** Where diff.json and diff.md go; default: the folder of CANDIDATE's report. */
  readonly output?: string;
  /** Compare an interrupted run's report too (its checks not reached count as SKIPPED). */
  readonly allowPartial?: boolean;
}

/** Where the command writes; the process streams unless a caller (a test) captures them. */
export interface DiffIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: DiffIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

async function writeDiffFiles(
  dir: string,
  flag: string,
  files: Readonly<Record<string, string>>,
): Promise<string[]> {
  await prepareOutputFolder(dir, { flag });
  try {
    const written: string[] = [];
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), content);
      written.push(join(dir, name));
    }
    return written;
  } catch (error) {
    throw new MeshproofError(
      'MESHPROOF_OUTPUT_UNUSABLE',
      `cannot write the diff into ${dir} (${(error as Error).message}); pass --output DIR with a writable folder`,
      { cause: error },
    );
  }
}

/** What a comparison writes and prints, and the exit code it ends with. */
interface Compared {
  readonly json: unknown;
  readonly markdown: string;
  readonly table: string;
  readonly exitCode: 0 | 1;
}

/** An interrupted run's report is refused unless the user asked for partial comparisons. */
function refusePartial(read: RunReport & { readonly file: string }, options: DiffOptions): void {
  if (read.kind !== 'ConformanceReport' || !read.report.interruption || options.allowPartial) return;
  const { signal, completed, selected } = read.report.interruption;
  throw new MeshproofError(
    'MESHPROOF_REPORT_PARTIAL',
    `${read.file} is the report of a run interrupted by ${signal} after ${completed} of ${selected} checks, not a verdict on the mesh; compare complete runs, or pass --allow-partial to compare the checks it completed`,
  );
}

async function compare(options: DiffOptions): Promise<Compared & { readonly candidateFile: string }> {
  const base = await readRunReport(options.base);
  const candidate = await readRunReport(options.candidate);
  refusePartial(base, options);
  refusePartial(candidate, options);
  if (base.kind === 'ConformanceReport' && candidate.kind === 'ConformanceReport') {
    const diff = diffReports(base.report, candidate.report);
    return {
      json: diff,
      markdown: renderDiffMarkdown(diff),
      table: renderDiffTable(diff),
      exitCode: diff.verdict === 'REGRESSED' ? 1 : 0,
      candidateFile: candidate.file,
    };
  }
  if (base.kind === 'SidecarOverheadBenchmark' && candidate.kind === 'SidecarOverheadBenchmark') {
    const diff = diffBenchReports(base.report, candidate.report);
    return {
      json: diff,
      markdown: renderBenchDiffMarkdown(diff),
      table: renderBenchDiffTable(diff),
      exitCode: diff.verdict === 'AGREE' ? 0 : 1,
      candidateFile: candidate.file,
    };
  }
  throw new MeshproofError(
    'MESHPROOF_REPORT_INCOMPATIBLE',
    `${base.file} is a ${base.kind} and ${candidate.file} a ${candidate.kind}; compare two report.json files or two bench.json files`,
  );
}

/**
 * `meshproof diff BASE CANDIDATE`: compares two conformance reports check by check, or two
 * benchmarks point by point; prints the changes, writes diff.json and diff.md, and returns the
 * exit code: 1 when some check regressed (PASSED → FAILED/ERROR) or some benchmark point's p50
 * moved beyond the repeatability threshold, 0 otherwise, 2 (with one coded line on stderr) when
 * a report is unreadable, of an incompatible version, or the two are of different kinds.
 */
export async function runDiff(options: DiffOptions, io: DiffIo = processIo): Promise<number> {
  try {
    const compared = await compare(options);
    const files = await writeDiffFiles(
      options.output ?? dirname(compared.candidateFile),
      options.output ? '--output' : "the candidate's folder",
      {
        'diff.json': `${JSON.stringify(compared.json, null, 2)}\n`,
        'diff.md': compared.markdown,
      },
    );
    io.stdout(compared.table);
    for (const file of files) io.stdout(`  ${relative(process.cwd(), file) || file}\n`);
    return compared.exitCode;
  } catch (error) {
    if (!isMeshproofError(error)) throw error;
    io.stderr(`${formatError(error)}\n`);
    return 2;
  }
}

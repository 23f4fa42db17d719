import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { renderDiffMarkdown, renderDiffTable } from '../report/diff-formats.ts';
import { diffReports } from '../report/diff-reports.ts';
import { readConformanceReport } from '../report/report-schema.ts';

/** Options of `meshproof diff BASE CANDIDATE [--output DIR]`. */
export interface DiffOptions {
  /** report.json of the run before the change (or its run folder). */
  readonly base: string;
  /** report.json of the run after the change (or its run folder). */
  readonly candidate: string;
  /** Where diff.json and diff.md go; default: the folder of CANDIDATE's report. */
  readonly output?: string;
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

async function writeDiffFiles(dir: string, files: Readonly<Record<string, string>>): Promise<string[]> {
  try {
    await mkdir(dir, { recursive: true });
    if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a folder`);
    const written: string[] = [];
    for (const [name, content] of Object.entries(files)) {
      await writeFile(join(dir, name), content);
      written.push(join(dir, name));
    }
    return written;
  } catch (error) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      `cannot write the diff into ${dir} (${(error as Error).message}); pass --output DIR with a writable folder`,
      { cause: error },
    );
  }
}

/**
 * `meshproof diff BASE CANDIDATE`: compares two reports check by check, prints the changes,
 * writes diff.json and diff.md, and returns the exit code of the upgrade gate: 1 when some
 * check regressed (PASSED → FAILED/ERROR), 0 otherwise, 2 (with one coded line on stderr) when
 * a report is unreadable or of an incompatible version.
 */
export async function runDiff(options: DiffOptions, io: DiffIo = processIo): Promise<number> {
  try {
    const base = await readConformanceReport(options.base);
    const candidate = await readConformanceReport(options.candidate);
    const diff = diffReports(base.report, candidate.report);
    const files = await writeDiffFiles(options.output ?? dirname(candidate.file), {
      'diff.json': `${JSON.stringify(diff, null, 2)}\n`,
      'diff.md': renderDiffMarkdown(diff),
    });
    io.stdout(renderDiffTable(diff));
    for (const file of files) io.stdout(`  ${relative(process.cwd(), file) || file}\n`);
    return diff.verdict === 'REGRESSED' ? 1 : 0;
  } catch (error) {
    if (!isMeshproofError(error)) throw error;
    io.stderr(`${formatError(error)}\n`);
    return 2;
  }
}

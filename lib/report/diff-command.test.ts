import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDiff } from '../cli/diff-command.ts';
import type { ConformanceReport } from './conformance-report.ts';
import type { ReportDiff } from './diff-reports.ts';
import { passingFixtureReport, withStatuses } from './report-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'meshproof-diff-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runs = 0;
/** Writes a report (or raw text) into a fresh run folder; returns the folder. */
function runFolder(report: ConformanceReport | string): string {
  const dir = join(root, `run-${++runs}`);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'report.json'),
    typeof report === 'string' ? report : JSON.stringify(report, null, 2),
  );
  return dir;
}

async function diff(base: string, candidate: string, output?: string) {
  let stdout = '';
  let stderr = '';
  const code = await runDiff(
    { base, candidate, ...(output ? { output } : {}) },
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
    },
  );
  return { code, stdout, stderr };
}

const passing = passingFixtureReport();
const regressed = withStatuses(passing, { 'traffic.weights.90-10': 'FAILED' }, { runId: 'candidate-run' });

describe('meshproof diff BASE CANDIDATE', () => {
  it('exits 1 on a regression, prints the table and writes diff.json and diff.md next to CANDIDATE', async () => {
    const base = runFolder(passing);
    const candidate = runFolder(regressed);
    const result = await diff(join(base, 'report.json'), candidate);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^meshproof diff: REGRESSED \(1 regression\)/);
    expect(result.stdout).toMatch(/regression +traffic\.weights\.90-10 +PASSED → FAILED/);
    expect(result.stdout).toContain(join(candidate, 'diff.json').split('/').at(-1));
    const written = JSON.parse(readFileSync(join(candidate, 'diff.json'), 'utf8')) as ReportDiff;
    expect(written).toMatchObject({
      kind: 'ConformanceReportDiff',
      verdict: 'REGRESSED',
      counts: { regression: 1 },
    });
    expect(readFileSync(join(candidate, 'diff.md'), 'utf8')).toMatch(/^## ❌ meshproof diff: 1 regression/);
  });

  it.each([
    ['no change', passing, 0],
    ['a fix', withStatuses(passing, { 'traffic.weights.90-10': 'PASSED' }), 0],
    [
      'support lost (reported, not a regression)',
      withStatuses(passing, { 'traffic.weights.90-10': 'NOT_SUPPORTED' }),
      0,
    ],
    [
      'a check that errors now',
      withStatuses(passing, { 'resilience.retries.attempts-honoured': 'ERROR' }),
      1,
    ],
  ])('exits as the gate says for %s', async (_, candidate, code) => {
    expect((await diff(runFolder(passing), runFolder(candidate))).code).toBe(code);
  });

  it('writes into --output DIR, creating it, when given', async () => {
    const output = join(root, 'out', 'nested');
    const result = await diff(runFolder(passing), runFolder(passing), output);
    expect(result.code).toBe(0);
    expect(existsSync(join(output, 'diff.json'))).toBe(true);
    expect(existsSync(join(output, 'diff.md'))).toBe(true);
  });

  it.each([
    ['a missing report', () => join(root, 'missing', 'report.json'), 'MESHPROOF_REPORT_UNREADABLE'],
    ['a file that is not JSON', () => runFolder('not json'), 'MESHPROOF_REPORT_UNREADABLE'],
    [
      'a report that breaks the schema',
      () => runFolder(JSON.stringify({ ...passing, checks: 'none' })),
      'MESHPROOF_REPORT_UNREADABLE',
    ],
    [
      'a report of another version',
      () => runFolder(JSON.stringify({ ...passing, apiVersion: 'meshproof.dev/v1' })),
      'MESHPROOF_REPORT_INCOMPATIBLE',
    ],
  ])('exits 2 with one coded line for %s, writing nothing', async (_, candidate, code) => {
    const folder = candidate();
    const result = await diff(runFolder(passing), folder);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^${code}: .+\\n$`));
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(folder, 'diff.json'))).toBe(false);
  });

  it('exits 2 with a coded line when the output folder cannot be written', async () => {
    const blocked = join(root, 'blocked');
    writeFileSync(blocked, 'a file, not a folder');
    chmodSync(blocked, 0o444);
    const result = await diff(runFolder(passing), runFolder(passing), join(blocked, 'diff'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^MESHPROOF_BAD_FLAG: cannot write the diff into .*--output DIR/);
  });
});

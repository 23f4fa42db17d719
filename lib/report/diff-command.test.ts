import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureBenchReport, movedFixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import { passingFixtureReport, withStatuses } from '../../test/report/report-fixtures.ts';
import type { BenchDiff } from '../bench/bench-diff.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { runDiff } from '../cli/diff-command.ts';
import type { ConformanceReport } from './conformance-report.ts';
import type { ReportDiff } from './diff-reports.ts';
import { parseRunReport } from './report-schema.ts';

const root = mkdtempSync(join(tmpdir(), 'meshproof-diff-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let runs = 0;
/** Writes a report (or raw text) into a fresh run folder as `name`; returns the folder. */
function runFolder(report: ConformanceReport | BenchReport | string, name = 'report.json'): string {
  const dir = join(root, `run-${++runs}`);
  mkdirSync(dir);
  writeFileSync(join(dir, name), typeof report === 'string' ? report : JSON.stringify(report, null, 2));
  return dir;
}

async function diff(base: string, candidate: string, output?: string, allowPartial = false) {
  let stdout = '';
  let stderr = '';
  const code = await runDiff(
    { base, candidate, ...(output ? { output } : {}), allowPartial },
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
    expect(result.stderr).toMatch(/^MESHPROOF_OUTPUT_UNUSABLE: --output .*blocked is a file, not a folder/);
  });
});

describe('meshproof diff refuses what is not a complete report, on one coded line', () => {
  const interrupted: ConformanceReport = {
    ...withStatuses(passing, { 'traffic.weights.90-10': 'SKIPPED' }, { runId: 'interrupted-run' }),
    verdict: 'INTERRUPTED',
    interruption: { signal: 'SIGINT', completed: 8, selected: 9 },
  };

  it.each(['base', 'candidate'] as const)(
    'refuses an interrupted run as %s unless --allow-partial',
    async (which) => {
      const complete = runFolder(passing);
      const partial = runFolder(interrupted);
      const [base, candidate] = which === 'base' ? [partial, complete] : [complete, partial];
      const refused = await diff(base, candidate);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /^MESHPROOF_REPORT_PARTIAL: .*report\.json is the report of a run interrupted by SIGINT after 8 of 9 checks.*--allow-partial .*\n$/,
      );
      expect(existsSync(join(candidate, 'diff.json'))).toBe(false);

      const allowed = await diff(base, candidate, undefined, true);
      expect(allowed.stderr).toBe('');
      expect(allowed.stdout).toContain(
        `note: the ${which} run was interrupted by SIGINT after 8 of 9 checks`,
      );
      const written = JSON.parse(readFileSync(join(candidate, 'diff.json'), 'utf8')) as ReportDiff;
      expect(written[which].verdict).toBe('INTERRUPTED');
    },
  );

  const fifo = () => {
    const path = join(root, `fifo-${++runs}`);
    execFileSync('mkfifo', [path]);
    return path;
  };
  const sparse = () => {
    const path = join(root, `huge-${++runs}.json`);
    writeFileSync(path, '');
    truncateSync(path, 256 * 1024 * 1024 + 1);
    return path;
  };
  it.each([
    ['a FIFO (which would block a read forever)', fifo, /is a FIFO \(named pipe\), not a regular file/],
    [
      '/dev/zero (which never ends)',
      () => '/dev/zero',
      /\/dev\/zero is a character device, not a regular file/,
    ],
    ['a file over 256 MiB', sparse, /is larger than 256 MiB \(256 MiB\), too large for a report/],
    [
      'a folder without a report',
      () => runFolder('{}', 'notes.txt'),
      /is a folder without report\.json or bench\.json/,
    ],
  ])('refuses %s as a report', async (_, candidate, message) => {
    const started = Date.now();
    const result = await diff(runFolder(passing), candidate());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^MESHPROOF_REPORT_UNREADABLE: /);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    // Refused on sight, not after reading: a deadline far above a stat, far below a hang.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('never quotes the contents of a file it cannot read', async () => {
    const secret = 'token-4f1c9e-SECRET';
    for (const text of [
      `{"apiVersion": "${secret}", "kind": "ConformanceReport"}`,
      `{"kind": "${secret}"}`,
      `{"kind": "ConformanceReport", ${secret}}`,
      `${secret} is not json`,
      JSON.stringify({ ...passing, [secret]: 1 }),
    ]) {
      const result = await diff(runFolder(passing), runFolder(text));
      expect(result.code).toBe(2);
      expect(result.stderr).not.toContain(secret);
      expect(result.stderr).not.toContain('4f1c9e');
    }
  });

  it('refuses an output folder under /proc at once instead of hanging in mkdir', async () => {
    const result = await diff(runFolder(passing), runFolder(passing), '/proc/meshproof/diff');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^MESHPROOF_OUTPUT_UNUSABLE: --output \/proc\/meshproof\/diff: .*under \/proc/,
    );
  });
});

describe('meshproof diff on two bench.json', () => {
  const bench = (report: BenchReport | string) => runFolder(report, 'bench.json');

  it('bench.json matches its published schema, which names what is wrong', () => {
    const read = (report: unknown) => parseRunReport(JSON.stringify(report), 'bench.json');
    expect(read(fixtureBenchReport()).kind).toBe('SidecarOverheadBenchmark');
    const [first] = fixtureBenchReport().results;
    expect(() => read({ ...fixtureBenchReport(), results: [{ ...first, targetRps: 'fast' }] })).toThrow(
      /\/results\/0\/targetRps must be number/,
    );
  });

  it('exits 0 when two runs agree, 1 when a point moved beyond 10%, and writes diff.json next to the candidate', async () => {
    const base = bench(fixtureBenchReport());
    const agreeing = await diff(base, bench(movedFixtureBenchReport(500, 'baseline', 1.05)));
    expect(agreeing).toMatchObject({ code: 0, stderr: '' });
    expect(agreeing.stdout).toMatch(
      /^meshproof diff \(benchmarks\): AGREE: the p50 of all 5 points within 10\.0%/,
    );
    const candidate = bench(movedFixtureBenchReport(1000, 'baseline', 1.2));
    const differing = await diff(join(base, 'bench.json'), candidate);
    expect(differing.code).toBe(1);
    const written = JSON.parse(readFileSync(join(candidate, 'diff.json'), 'utf8')) as BenchDiff;
    expect(written).toMatchObject({ kind: 'SidecarOverheadBenchmarkDiff', verdict: 'DIFFER' });
    expect(readFileSync(join(candidate, 'diff.md'), 'utf8')).toMatch(
      /^# meshproof diff: sidecar-overhead benchmarks/,
    );
  });

  it('refuses a benchmark against a conformance report, and a bench.json that is not one, with exit 2', async () => {
    const base = bench(fixtureBenchReport());
    const mixed = await diff(base, runFolder(passing));
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(
      /^MESHPROOF_REPORT_INCOMPATIBLE: .*bench\.json is a SidecarOverheadBenchmark and .*report\.json a ConformanceReport/,
    );
    const broken = await diff(base, bench(JSON.stringify({ ...fixtureBenchReport(), results: 'none' })));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(
      /^MESHPROOF_REPORT_UNREADABLE: .*does not match schemas\/sidecar-overhead-benchmark\.v1alpha1\.schema\.json/,
    );
  });
});

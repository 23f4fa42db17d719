import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestCase, TestModule } from 'vitest/node';
import type { CheckResult } from '../model/verdict.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { ConformanceReporter } from './conformance-reporter.ts';
import { fixtureCapabilities, fixtureRegistry, fixtureResults, fixtureRunConfig } from './report-fixtures.ts';
import { readRunReport } from './report-schema.ts';
import { writeReports } from './report-writers.ts';

const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

function outputDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-reporter-test-'));
  roots.push(dir);
  return dir;
}

/** A finished test as vitest hands it to reporters: the check's result in its metadata. */
function testCaseFor(result: CheckResult): TestCase {
  return {
    name: result.id,
    meta: () => ({
      meshproof: { result, environment: { meshVersion: 'haproxy 2.6.12', platform: 'local' } },
    }),
    result: () => ({ state: result.status === 'FAILED' ? 'failed' : 'passed', errors: [] }),
  } as unknown as TestCase;
}

/** A test that died before its check could report. */
const brokenTestCase = (name: string) =>
  ({
    name,
    meta: () => ({}),
    result: () => ({ state: 'failed', errors: [{ message: 'worker exited unexpectedly' }] }),
  }) as unknown as TestCase;

async function runReporter(cases: readonly TestCase[]) {
  const dir = outputDir();
  const reporter = new ConformanceReporter({
    config: fixtureRunConfig(dir),
    registry: fixtureRegistry,
    capabilities: fixtureCapabilities,
    harnessVersion: '0.1.0',
  });
  reporter.onTestRunStart();
  for (const testCase of cases) reporter.onTestCaseResult(testCase);
  await reporter.onTestRunEnd([] as unknown as ReadonlyArray<TestModule>);
  return { dir, outcome: reporter.outcome };
}

describe('ConformanceReporter writes every format from the same data', () => {
  it('writes report.json, junit.xml, report.html and summary.md, and lists them', async () => {
    const { dir, outcome } = await runReporter(fixtureResults.map(testCaseFor));
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    expect(outcome?.files).toEqual(
      ['report.json', 'junit.xml', 'report.html', 'summary.md'].map((f) => join(dir, f)),
    );
    expect(outcome?.writerFailures).toEqual([]);

    const report = await readConformance(dir);
    expect(report.verdict).toBe('FAILED');
    expect(report.summary).toEqual({
      total: 9,
      passed: 3,
      failed: 3,
      notSupported: 1,
      skipped: 1,
      errored: 1,
    });

    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain(`<code>${report.runId}</code>`);
    expect(html).toContain('data-verdict="FAILED"');
    for (const check of report.checks)
      expect(html).toContain(`id="check-${check.id}" data-status="${check.status}"`);

    const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(summary.split('\n')[0]).toBe('## ❌ meshproof FAILED: reference haproxy 2.6.12 on local');
    expect(summary).toContain('| `traffic.weights.90-10` | FAILED |');
  });

  it('reports a test that died before its check reported as ERROR, in every format', async () => {
    const cases = fixtureResults.map((r) =>
      r.id === 'traffic.weights.90-10' ? brokenTestCase('traffic.weights.90-10') : testCaseFor(r),
    );
    const { dir } = await runReporter(cases);
    const report = await readConformance(dir);
    expect(report.checks.find((c) => c.id === 'traffic.weights.90-10')).toMatchObject({
      status: 'ERROR',
      reason: 'worker exited unexpectedly',
    });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(
      '| `traffic.weights.90-10` | ERROR | the harness runs the check to a verdict | the harness broke: worker exited unexpectedly |',
    );
  });
});

describe('writeReports', () => {
  it('keeps writing the other formats when one writer breaks, and returns its failure', async () => {
    const dir = outputDir();
    const report = (await runReporter(fixtureResults.map(testCaseFor))).outcome?.report;
    if (!report) throw new Error('no report');
    const { written, failures } = await writeReports(report, dir, {
      'broken.txt': () => {
        throw new Error('renderer bug');
      },
      'summary.md': () => 'ok\n',
    });
    expect(written).toEqual([join(dir, 'summary.md')]);
    expect(failures).toEqual(['broken.txt: renderer bug']);
  });

  it('still writes a report that breaks its schema, and says so', async () => {
    const dir = outputDir();
    const report = (await runReporter(fixtureResults.map(testCaseFor))).outcome?.report;
    if (!report) throw new Error('no report');
    const { written, failures } = await writeReports({ ...report, verdict: 'MAYBE' as 'PASSED' }, dir);
    expect(written).toHaveLength(4);
    expect(failures).toEqual([
      expect.stringMatching(
        /^report\.json: written, but it does not match schemas\/conformance-report\.v1alpha1\.schema\.json: \/verdict/,
      ),
    ]);
  });
});

/** The report.json a run wrote, read back and validated as `meshproof diff` reads it. */
async function readConformance(dir: string): Promise<ConformanceReport> {
  const read = await readRunReport(dir);
  if (read.kind !== 'ConformanceReport') throw new Error(`${read.file} is a ${read.kind}`);
  return read.report;
}

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fixtureCapabilities,
  fixtureRegistry,
  fixtureResults,
  fixtureRunConfig,
} from '../../test/report/report-fixtures.ts';
import type { CheckResult } from '../model/verdict.ts';
import { harnessError } from '../runner/run-suite.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { readRunReport } from './report-schema.ts';
import { writeReports } from './report-writers.ts';
import { writeRunReport } from './run-report.ts';

const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

function outputDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-reporter-test-'));
  roots.push(dir);
  return dir;
}

async function runReporter(results: readonly CheckResult[]) {
  const dir = outputDir();
  const outcome = await writeRunReport({
    config: fixtureRunConfig(dir),
    registry: fixtureRegistry,
    selected: fixtureRegistry,
    results,
    meshVersion: 'haproxy 2.6.12',
    capabilities: fixtureCapabilities,
    harnessVersion: '0.1.0',
    startedAt: new Date(),
  });
  return { dir, outcome };
}

describe('writeRunReport writes every format from the same data', () => {
  it('writes report.json, junit.xml, report.html and summary.md, and lists them', async () => {
    const { dir, outcome } = await runReporter(fixtureResults);
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

  it('reports a check whose run broke the harness as ERROR, in every format', async () => {
    const broken = fixtureRegistry.find((c) => c.id === 'traffic.weights.90-10');
    if (!broken) throw new Error('no such fixture check');
    const results = fixtureResults.map((r) =>
      r.id === broken.id ? harnessError(broken, 'the environment went away') : r,
    );
    const { dir } = await runReporter(results);
    const report = await readConformance(dir);
    expect(report.checks.find((c) => c.id === 'traffic.weights.90-10')).toMatchObject({
      status: 'ERROR',
      reason: 'the environment went away',
    });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(
      '| `traffic.weights.90-10` | ERROR | the harness runs the check to a verdict | the harness broke: the environment went away |',
    );
  });
});

describe('writeReports', () => {
  it('keeps writing the other formats when one writer breaks, and returns its failure', async () => {
    const dir = outputDir();
    const report = (await runReporter(fixtureResults)).outcome?.report;
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
    const report = (await runReporter(fixtureResults)).outcome?.report;
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

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { failingFixtureReport, passingFixtureReport } from '../../test/report/report-fixtures.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { evidenceKinds } from '../model/evidence.ts';
import { parseRunReport, readRunReport, reportSchemaProblems } from './report-schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshproof-schema-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture report as JSON, changed by `mutate`. */
function mutated(mutate: (report: Record<string, unknown>) => void): string {
  const report = JSON.parse(JSON.stringify(failingFixtureReport())) as Record<string, unknown>;
  mutate(report);
  return JSON.stringify(report);
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof MeshproofError ? error.code : `not coded: ${(error as Error).message}`;
  }
  return undefined;
}

const firstCheck = (report: Record<string, unknown>) => (report.checks as Record<string, unknown>[])[0] ?? {};

describe('the published schema', () => {
  it('accepts what the harness builds', () => {
    expect(reportSchemaProblems(failingFixtureReport())).toEqual([]);
    expect(reportSchemaProblems(passingFixtureReport())).toEqual([]);
  });

  it('names where a report is wrong', () => {
    const problems = reportSchemaProblems(
      JSON.parse(
        mutated((r) => {
          firstCheck(r).status = 'MAYBE';
          delete r.summary;
        }),
      ),
    );
    expect(problems.join('\n')).toMatch(/summary/);
    expect(problems.join('\n')).toMatch(/\/checks\/0\/status .*PASSED/);
  });

  it('knows every kind of evidence, and validates each piece by its kind', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/conformance-report.v1alpha1.schema.json', import.meta.url), 'utf8'),
    );
    expect(schema.$defs.evidenceItem.properties.kind.enum).toEqual([...evidenceKinds]);
    const withEvidence = (evidence: unknown) =>
      reportSchemaProblems(
        JSON.parse(
          mutated((r) => {
            firstCheck(r).evidence = evidence;
          }),
        ),
      );
    expect(withEvidence({ n: { kind: 'value', value: { any: ['json', 1] } } })).toEqual([]);
    expect(withEvidence({ n: { kind: 'rumour', value: 1 } }).join('\n')).toMatch(/kind/);
    expect(withEvidence({ n: { kind: 'attempts', byTraffic: { a: ['three'] } } })).not.toEqual([]);
    expect(withEvidence({ n: { kind: 'timeline', events: [{ atMs: 5, label: 'x' }] } })).toEqual([]);
    expect(withEvidence({ n: { kind: 'cases', cases: [{ label: 'a', want: 'w', got: 'g' }] } })).not.toEqual(
      [],
    );
  });
});

describe('parseRunReport refuses what it cannot read, with a code', () => {
  it.each([
    ['not JSON', '{"apiVersion": ', 'MESHPROOF_REPORT_UNREADABLE'],
    ['another kind of file', JSON.stringify({ kind: 'MutantsReport' }), 'MESHPROOF_REPORT_UNREADABLE'],
    ['a JSON array', '[]', 'MESHPROOF_REPORT_UNREADABLE'],
    [
      'a report of an earlier meshproof, whose evidence had no kinds',
      mutated((r) => {
        firstCheck(r).evidence = { reachedApp: 40 };
      }),
      'MESHPROOF_REPORT_INCOMPATIBLE',
    ],
    [
      'a newer apiVersion',
      mutated((r) => {
        r.apiVersion = 'meshproof.dev/v1beta1';
      }),
      'MESHPROOF_REPORT_INCOMPATIBLE',
    ],
    [
      'no apiVersion',
      mutated((r) => {
        delete r.apiVersion;
      }),
      'MESHPROOF_REPORT_INCOMPATIBLE',
    ],
    [
      'an unknown status',
      mutated((r) => {
        firstCheck(r).status = 'FLAKY';
      }),
      'MESHPROOF_REPORT_UNREADABLE',
    ],
    [
      'a ratio verdict without categories',
      mutated((r) => {
        const check = (
          r.checks as { id: string; evidence: { ratio?: { verdict: Record<string, unknown> } } }[]
        ).find((c) => c.id === 'traffic.weights.90-10');
        delete check?.evidence.ratio?.verdict.categories;
      }),
      'MESHPROOF_REPORT_UNREADABLE',
    ],
    [
      'a field this version does not know',
      mutated((r) => {
        r.surprise = true;
      }),
      'MESHPROOF_REPORT_UNREADABLE',
    ],
  ])('%s → %s', (_, text, code) => {
    expect(codeOf(() => parseRunReport(text, 'report.json'))).toBe(code);
  });

  it('says which file and what to do, on one line', () => {
    try {
      parseRunReport(
        mutated((r) => {
          r.apiVersion = 'meshproof.dev/v2';
        }),
        'base/report.json',
      );
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(
        /^base\/report\.json is a report of meshproof.dev\/v2 .*reads meshproof.dev\/v1alpha1/,
      );
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

describe('readRunReport', () => {
  it('reads a report.json or the run folder holding one', async () => {
    writeFileSync(join(dir, 'report.json'), JSON.stringify(failingFixtureReport()));
    const fromFolder = await readRunReport(dir);
    const fromFile = await readRunReport(join(dir, 'report.json'));
    expect(fromFolder.file).toBe(join(dir, 'report.json'));
    expect(fromFolder.kind).toBe('ConformanceReport');
    expect(fromFile.report).toEqual(fromFolder.report);
    expect(fromFolder.report.runId).toBe('20261121-150816-reference-f1x7');
  });

  it('refuses a missing file with MESHPROOF_REPORT_UNREADABLE', async () => {
    await expect(readRunReport(join(dir, 'nope', 'report.json'))).rejects.toMatchObject({
      code: 'MESHPROOF_REPORT_UNREADABLE',
      message: expect.stringMatching(/does not exist/),
    });
  });
});

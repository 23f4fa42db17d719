import { describe, expect, it } from 'vitest';
import {
  failingFixtureReport,
  passingFixtureReport,
  withStatuses,
} from '../../test/report/report-fixtures.ts';
import { values } from '../model/evidence.ts';
import type { CheckStatus } from '../model/verdict.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { renderDiffMarkdown, renderDiffTable } from './diff-formats.ts';
import {
  type CheckChangeKind,
  classifyChange,
  diffReports,
  notableShift,
  overheadFigures,
} from './diff-reports.ts';
import { reportSchemaProblems } from './report-schema.ts';

describe('classifyChange', () => {
  it.each<[CheckStatus | null, CheckStatus | null, CheckChangeKind]>([
    ['PASSED', 'FAILED', 'regression'],
    ['PASSED', 'ERROR', 'regression'],
    ['FAILED', 'PASSED', 'fix'],
    ['ERROR', 'PASSED', 'fix'],
    ['PASSED', 'NOT_SUPPORTED', 'support-lost'],
    ['FAILED', 'NOT_SUPPORTED', 'support-lost'],
    ['NOT_SUPPORTED', 'PASSED', 'support-gained'],
    ['NOT_SUPPORTED', 'FAILED', 'support-gained'],
    ['FAILED', 'ERROR', 'status-changed'],
    ['PASSED', 'SKIPPED', 'status-changed'],
    ['SKIPPED', 'FAILED', 'status-changed'],
    ['NOT_SUPPORTED', 'SKIPPED', 'status-changed'],
    [null, 'PASSED', 'added'],
    ['FAILED', null, 'removed'],
    ['PASSED', 'PASSED', 'unchanged'],
    ['FAILED', 'FAILED', 'unchanged'],
    ['NOT_SUPPORTED', 'NOT_SUPPORTED', 'unchanged'],
  ])('%s → %s is %s', (base, candidate, kind) => {
    expect(classifyChange(base, candidate)).toBe(kind);
  });
});

const weights = 'traffic.weights.90-10';
const timeout = 'resilience.timeout.route-timeout';
const mirror = 'traffic.mirror.percentage';

/** A report with one check's fields replaced. */
function withCheck(
  report: ConformanceReport,
  id: string,
  change: (check: ConformanceReport['checks'][number]) => ConformanceReport['checks'][number],
): ConformanceReport {
  return { ...report, checks: report.checks.map((c) => (c.id === id ? change(c) : c)) };
}

describe('diffReports', () => {
  const passing = passingFixtureReport();

  it.each<
    [string, ConformanceReport, ConformanceReport, string, CheckChangeKind, 'REGRESSED' | 'NO_REGRESSION']
  >([
    [
      'a check that breaks',
      passing,
      withStatuses(passing, { [weights]: 'FAILED' }),
      weights,
      'regression',
      'REGRESSED',
    ],
    [
      'a check that errors',
      passing,
      withStatuses(passing, { [timeout]: 'ERROR' }),
      timeout,
      'regression',
      'REGRESSED',
    ],
    [
      'a check that is fixed',
      withStatuses(passing, { [weights]: 'FAILED' }),
      passing,
      weights,
      'fix',
      'NO_REGRESSION',
    ],
    [
      'a feature lost',
      passing,
      withStatuses(passing, { [weights]: 'NOT_SUPPORTED' }),
      weights,
      'support-lost',
      'NO_REGRESSION',
    ],
    [
      'a feature gained',
      passing,
      withStatuses(passing, { [mirror]: 'PASSED' }),
      mirror,
      'support-gained',
      'NO_REGRESSION',
    ],
    [
      'a check still failing',
      withStatuses(passing, { [weights]: 'FAILED' }),
      withStatuses(passing, { [weights]: 'FAILED' }),
      weights,
      'unchanged',
      'NO_REGRESSION',
    ],
    [
      'a check new to the suite',
      { ...passing, checks: passing.checks.filter((c) => c.id !== weights) },
      withStatuses(passing, { [weights]: 'FAILED' }),
      weights,
      'added',
      'NO_REGRESSION',
    ],
    [
      'a check gone from the suite',
      passing,
      { ...passing, checks: passing.checks.filter((c) => c.id !== weights) },
      weights,
      'removed',
      'NO_REGRESSION',
    ],
  ])('%s', (_, base, candidate, id, kind, verdict) => {
    const diff = diffReports(base, candidate);
    expect(diff.checks.find((c) => c.id === id)?.kind).toBe(kind);
    expect(diff.verdict).toBe(verdict);
  });

  it('counts every kind and lists regressions first', () => {
    const candidate = withStatuses(passing, { [weights]: 'FAILED', [timeout]: 'ERROR', [mirror]: 'PASSED' });
    const diff = diffReports(passing, candidate);
    expect(diff.counts).toMatchObject({ regression: 2, 'support-gained': 1, unchanged: 6 });
    expect(diff.checks.slice(0, 2).map((c) => c.id)).toEqual([timeout, weights]);
    expect(diff.checks[0]?.candidate).toMatchObject({
      status: 'ERROR',
      want: '504 ×10, each arriving within 285–550 ms',
    });
  });

  it.each<[string, number | null | undefined, number | null | undefined, RegExp | undefined]>([
    ['slower propagation', 200, 900, /^propagationMs 200 → 900 ms \(\+350%\)$/],
    ['faster propagation', 900, 200, /^propagationMs 900 → 200 ms \(-78%\)$/],
    ['run-to-run noise', 165, 330, undefined],
    ['a small change of a fast mesh', 20, 90, undefined],
    ['never confirmed any more', 300, null, /in effect after 300 ms before, never confirmed now/],
    ['confirmed now', null, 300, /never confirmed before, in effect after 300 ms now/],
    ['no probe on one side', undefined, 300, undefined],
  ])('propagation: %s', (_, before, after, shift) => {
    const set = (value: number | null | undefined) => (c: ConformanceReport['checks'][number]) => {
      const { propagationMs: _dropped, ...rest } = c;
      return value === undefined ? rest : { ...rest, propagationMs: value };
    };
    const diff = diffReports(
      withCheck(passing, weights, set(before)),
      withCheck(passing, weights, set(after)),
    );
    const shifts = diff.checks.find((c) => c.id === weights)?.shifts ?? [];
    if (shift) expect(shifts.map((s) => s.description)).toEqual([expect.stringMatching(shift)]);
    else expect(shifts).toEqual([]);
  });

  it('reports latency percentiles that moved, from the latency evidence', () => {
    const diff = diffReports(passing, failingFixtureReport());
    const base = passing.checks.find((c) => c.id === timeout);
    expect(base?.evidence.latency).toBeDefined();
    // Same evidence in both fixture reports: no shift.
    expect(diff.checks.find((c) => c.id === timeout)?.shifts).toEqual([]);
    const slower = withCheck(passing, timeout, (c) => {
      const latency = c.evidence.latency;
      if (latency?.kind !== 'latency') throw new Error('no latency evidence');
      return {
        ...c,
        evidence: {
          ...c.evidence,
          latency: { ...latency, percentiles: { ...latency.percentiles, p99Ms: 4000 } },
        },
      };
    });
    const shifts = diffReports(passing, slower).checks.find((c) => c.id === timeout)?.shifts ?? [];
    expect(shifts.map((s) => s.metric)).toEqual(['latency.p99Ms']);
  });

  it('reports overhead figures when both runs have them', () => {
    const withOverhead = (p99: number) =>
      withCheck(passing, weights, (c) => ({
        ...c,
        evidence: {
          ...c.evidence,
          ...values({ overhead: { p50Ms: 1.2, p99Ms: p99 }, sidecarOverheadMs: 3 }),
        },
      }));
    const shifts = diffReports(withOverhead(4), withOverhead(9)).checks.find((c) => c.id === weights)?.shifts;
    expect(shifts?.map((s) => s.description)).toEqual(['overhead.p99Ms 4 → 9 ms (+125%)']);
    expect([
      ...overheadFigures({ overhead: { p50Ms: 1, nested: { cpu: 2 } }, latencyOverheadMs: 5, other: 7 }),
    ]).toEqual([
      ['overhead.p50Ms', 1],
      ['overhead.nested.cpu', 2],
      ['latencyOverheadMs', 5],
    ]);
  });

  it('notes what qualifies the comparison and the capability changes', () => {
    const candidate = {
      ...withStatuses(passing, { [weights]: 'NOT_SUPPORTED' }),
      mesh: { name: 'reference', version: 'haproxy 2.8.5' },
      capabilities: passing.capabilities.map((c) =>
        c.feature === 'WeightedRouting' ? { feature: c.feature, supported: false, reason: 'dropped' } : c,
      ),
    };
    const diff = diffReports(passing, candidate);
    expect(diff.notes).toEqual([
      'mesh version haproxy 2.6.12 → haproxy 2.8.5',
      'both reports are of the same run',
    ]);
    expect(diff.capabilities).toEqual([
      { feature: 'WeightedRouting', base: true, candidate: false, reason: 'dropped' },
    ]);
  });

  it('shows the table and diff.md with every change, and diff.md matches its golden file', async () => {
    const candidate = withStatuses(
      failingFixtureReport(),
      { [mirror]: 'PASSED', 'resilience.fault.abort-percentage': 'NOT_SUPPORTED' },
      { runId: '20261122-091500-reference-c4nd', mesh: { name: 'reference', version: 'haproxy 2.8.5' } },
    );
    const diff = diffReports(passing, candidate);
    const table = renderDiffTable(diff);
    expect(table).toMatch(/^meshproof diff: REGRESSED \(4 regressions\)/);
    expect(table).toMatch(/regression {6}traffic\.weights\.90-10 +PASSED → FAILED\n +want: v1 90%/);
    expect(table).toMatch(/support lost {4}resilience\.fault\.abort-percentage +PASSED → NOT_SUPPORTED/);
    expect(table).toMatch(/support gained {2}traffic\.mirror\.percentage +NOT_SUPPORTED → PASSED/);
    expect(table).not.toMatch(/unchanged {4}/);
    await expect(renderDiffMarkdown(diff)).toMatchFileSnapshot('./golden/diff-regressed.golden.md');
  });

  it('says so when nothing changed', () => {
    const diff = diffReports(passing, passing);
    expect(diff.verdict).toBe('NO_REGRESSION');
    expect(renderDiffTable(diff)).toContain('no check changed status and no figure moved notably');
    expect(renderDiffMarkdown(diff)).toMatch(/^## ✅ meshproof diff: no regression/);
  });

  it('keeps the fixture reports valid against the schema', () => {
    expect(reportSchemaProblems(passing)).toEqual([]);
  });
});

describe('notableShift', () => {
  it.each<[number, number, boolean]>([
    [100, 100, false],
    [100, 400, true],
    [400, 100, true],
    [100, 190, false],
    [0, 500, true],
    [0, 0, false],
  ])('propagation %d → %d notable: %s', (base, candidate, notable) => {
    expect(notableShift('x', base, candidate, { factor: 2, absolute: 200 }) !== undefined).toBe(notable);
  });
});

import { describe, expect, it } from 'vitest';
import { resultWithStatus as result } from '../../test/report/report-fixtures.ts';
import type { CheckResult } from '../model/index.ts';
import { cpuBusyShare, type MachineLoad } from './machine-load.ts';
import { buildSoakReport, renderSoakMarkdown, type SoakRunInput, soakVerdictLine } from './soak-report.ts';

const load = (max: number, cpuBusy: number): MachineLoad => ({
  loadAverage: { start: max / 2, max, end: max },
  cpuBusy,
});
const run = (
  folder: string,
  wallMs: number,
  checks: CheckResult[],
  machine = load(1, 0.5),
): SoakRunInput => ({
  folder,
  runId: `id-${folder}`,
  wallMs,
  load: machine,
  checks,
});
const base = {
  soakId: 'soak-1',
  stress: null,
  only: [],
  machine: { cpus: 2, cpuModel: 'cpu', os: 'Linux', node: 'v24' },
  startedAt: new Date(0),
  now: new Date(90_000),
};

describe('buildSoakReport', () => {
  const runs = [
    run('run-1', 30_000, [result('a', 'PASSED'), result('b', 'PASSED'), result('m', 'NOT_SUPPORTED')]),
    run(
      'run-2',
      32_000,
      [result('a', 'FAILED', 'late by 3 ms'), result('b', 'PASSED'), result('m', 'NOT_SUPPORTED')],
      load(7.5, 0.99),
    ),
    run('run-3', 31_000, [
      result('a', 'PASSED'),
      result('b', 'ERROR', 'broke'),
      result('m', 'NOT_SUPPORTED'),
    ]),
  ];

  it('counts per check how many runs it failed in, and which', () => {
    const report = buildSoakReport({ ...base, runsRequested: 3, runs });
    expect(report.checks.find((c) => c.id === 'a')).toMatchObject({
      counts: { PASSED: 2, FAILED: 1, ERROR: 0 },
      failedRuns: [2],
      lastFailure: { run: 2, status: 'FAILED', got: 'late by 3 ms' },
    });
    expect(report.checks.find((c) => c.id === 'b')?.failedRuns).toEqual([3]);
    // NOT_SUPPORTED is not a failure.
    expect(report.checks.find((c) => c.id === 'm')).toMatchObject({
      counts: { NOT_SUPPORTED: 3 },
      failedRuns: [],
    });
    expect(report.runs.map((r) => r.falseFailures)).toEqual([[], ['a'], ['b']]);
    expect(report).toMatchObject({ falseFailures: 2, passed: false, complete: true, durationMs: 90_000 });
  });

  it('summarises wall time per run and the machine load', () => {
    const report = buildSoakReport({ ...base, runsRequested: 3, runs });
    expect(report.wallMs).toEqual({ min: 30_000, median: 31_000, max: 32_000 });
    expect(report.load).toEqual({ maxLoadAverage: 7.5, meanCpuBusy: 0.66 });
  });

  it('passes when no run had a false failure, and says when runs are still to come', () => {
    const report = buildSoakReport({ ...base, runsRequested: 20, runs: [runs[0] as SoakRunInput] });
    expect(report).toMatchObject({ passed: true, complete: false, falseFailures: 0 });
    expect(soakVerdictLine(report)).toMatch(
      /^PASSED: no false failure in 1 of 20 run\(s\) · wall time per run 30\.0 s/,
    );
  });

  it('has no summary figures before the first run', () => {
    expect(buildSoakReport({ ...base, runsRequested: 2, runs: [] })).toMatchObject({
      wallMs: null,
      load: null,
      passed: true,
    });
  });
});

describe('soak verdict and soak.md', () => {
  const report = buildSoakReport({
    ...base,
    stress: { processes: 2 },
    runsRequested: 2,
    runs: [
      run('run-1', 30_000, [result('a', 'PASSED')], load(3, 1)),
      run('run-2', 40_000, [result('a', 'FAILED')], load(4, 1)),
    ],
  });

  it('names the false failures, the stress and the load in one line', () => {
    expect(soakVerdictLine(report)).toBe(
      'FAILED: 1 false failure(s) in 1 of 2 run(s) under stress (2 busy processes) · wall time per run 30.0 s–40.0 s (median 35.0 s) · load average up to 4.00, CPUs 100% busy',
    );
  });

  it('lists the failing checks and every run with its load, linking each run’s summary', () => {
    const md = renderSoakMarkdown(report);
    expect(md).toContain('| `a` | 1 | 0 | 2 |');
    expect(md).toContain('| [2](run-2/summary.md) | 40.0 s | 2.00 / 4.00 / 4.00 | 100% | `a` |');
    expect(md).toContain('with every CPU kept busy by 2 stress processes');
  });
});

describe('cpuBusyShare', () => {
  const t = (busy: number, idle: number) => ({ user: busy, nice: 0, sys: 0, idle, irq: 0 });
  it('is the busy share of all CPUs’ time between two readings', () => {
    expect(cpuBusyShare([t(0, 0), t(0, 0)], [t(300, 100), t(100, 300)])).toBe(0.5);
    expect(cpuBusyShare([t(10, 10)], [t(110, 10)])).toBe(1);
    expect(cpuBusyShare([t(10, 10)], [t(10, 10)])).toBe(0);
  });
});

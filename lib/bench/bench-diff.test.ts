import { describe, expect, it } from 'vitest';
import { fixtureBenchReport, movedFixtureBenchReport as moved } from '../../test/bench/bench-fixtures.ts';
import { diffBenchReports } from './bench-diff.ts';
import { renderBenchDiffMarkdown, renderBenchDiffTable } from './bench-diff-formats.ts';
import type { BenchReport } from './bench-report.ts';

describe('diffBenchReports', () => {
  const base = fixtureBenchReport();

  it('agrees when every point valid in both runs has its p50 within 10%, and says what it could not compare', () => {
    const diff = diffBenchReports(base, moved(500, 'meshed', 1.09));
    expect(diff.verdict).toBe('AGREE');
    expect(diff.points.map((p) => [p.targetRps, p.mode, p.agrees])).toEqual([
      [100, 'baseline', true],
      [100, 'meshed', true],
      [500, 'baseline', true],
      [500, 'meshed', true],
      [1000, 'baseline', true],
      [1000, 'meshed', null],
    ]);
    expect(diff.points[3]?.relative).toBeCloseTo(0.09, 3);
    expect(diff.notes).toEqual([
      'a self-check failed in the base run 20261121-154424-bench-reference-fixture',
      'a self-check failed in the candidate run candidate-run',
    ]);
  });

  it('differs when one point moved by more than 10%, and names it', () => {
    const diff = diffBenchReports(base, moved(100, 'baseline', 0.88));
    expect(diff.verdict).toBe('DIFFER');
    expect(diff.points.filter((p) => p.agrees === false).map((p) => [p.targetRps, p.mode])).toEqual([
      [100, 'baseline'],
    ]);
    const table = renderBenchDiffTable(diff);
    expect(table).toMatch(
      /^meshproof diff \(benchmarks\): DIFFER: 1 of 5 points moved by more than 10\.0% at p50/,
    );
    expect(table).toMatch(/100 +baseline +0\.696 +0\.612 +13\.6% BEYOND 10\.0%/);
    expect(table).toMatch(/1000 +meshed +– +– +not compared/);
    expect(renderBenchDiffMarkdown(diff)).toContain(
      '| 100 | baseline | 0.696 | 0.612 | 13.6% BEYOND 10.0% |',
    );
  });

  it('compares nothing when no point is valid in both, and notes how the runs differ', () => {
    const candidate = structuredClone(base) as { -readonly [K in keyof BenchReport]: BenchReport[K] };
    candidate.testConfig = { ...candidate.testConfig, rates: [2000], payloadBytes: 4096 };
    candidate.results = [];
    const diff = diffBenchReports(base, candidate);
    expect(diff.verdict).toBe('NOTHING_COMPARED');
    expect(diff.notes).toContain('rates differs: [100,500,1000] → [2000]');
    expect(diff.notes).toContain('payload (bytes) differs: 1024 → 4096');
    expect(diff.points.filter((p) => p.targetRps === 2000).every((p) => p.agrees === null)).toBe(true);
  });

  it('puts the added latency and the proxies of both runs side by side', () => {
    const diff = diffBenchReports(base, base);
    expect(diff.overhead[0]).toMatchObject({
      targetRps: 100,
      base: { p50: base.results[0]?.addedLatencyMs?.p50 },
      proxyCpuMillicores: { base: 32, candidate: 32 },
    });
    expect(diff.overhead[2]).toMatchObject({ targetRps: 1000, base: null, candidate: null });
  });
});

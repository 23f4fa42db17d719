import { describe, expect, it } from 'vitest';
import type { Observation } from '../model/index.ts';
import { judgeRatio, sampledRatioPlan } from './ratio.ts';

const served = (version: 'v1' | 'v2', n: number): Observation[] =>
  Array.from({ length: n }, (_, i) => ({
    requestId: `${version}-${i}`,
    outcome: 'response',
    status: 200,
    latencyMs: 1,
    servedBy: { version, instance: `${version}-0` },
  }));
const byVersion = (o: Observation) => o.servedBy?.version ?? 'error';
const spec = { targets: { v1: 0.9, v2: 0.1 }, tolerance: 0.05, alpha: 1e-5 };

describe('judgeRatio', () => {
  const { sampling } = sampledRatioPlan({ caller: 'client', service: 'server', requests: 0 }, spec);

  it('passes a split on target once the intervals fit the band', () => {
    const j = judgeRatio([...served('v1', 1800), ...served('v2', 200)], byVersion, spec, sampling);
    expect(j.status).toBe('PASSED');
    expect(j.want).toContain('v1 90%');
    expect(j.evidence).toHaveProperty('ratio.verdict.alpha', 1e-5);
  });

  it('fails a clearly skewed split', () => {
    expect(judgeRatio([...served('v1', 1600), ...served('v2', 400)], byVersion, spec, sampling).status).toBe(
      'FAILED',
    );
  });

  it('asks for more requests when the evidence is thin', () => {
    expect(judgeRatio([...served('v1', 180), ...served('v2', 20)], byVersion, spec, sampling).status).toBe(
      'CONTINUE',
    );
  });

  it('counts failed requests against every share', () => {
    const errors: Observation[] = Array.from({ length: 400 }, (_, i) => ({
      requestId: `e${i}`,
      outcome: 'reset',
      latencyMs: 1,
    }));
    const j = judgeRatio([...served('v1', 1600), ...served('v2', 200), ...errors], byVersion, spec, sampling);
    expect(j.status).toBe('FAILED');
  });
});

import { describe, expect, it } from 'vitest';
import type { Observation } from '../model/index.ts';
import {
  type ControlledClass,
  decideControlledRatio,
  effectInterval,
  judgeControlledRatio,
  planControlledRatio,
} from './controlled-ratio.ts';

const spec = {
  target: 0.2,
  tolerance: 0.05,
  alpha: 1e-5,
  plannedNoise: 0.1,
  arms: { scoped: 'scoped', control: 'control' },
} as const;
const classify = (o: Observation): ControlledClass =>
  o.outcome !== 'response' ? 'failed' : o.latencyMs >= 100 ? 'affected' : 'unaffected';

/** A small deterministic generator, so that the simulated runs are the same every time. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * The arms as a loaded machine produces them: each request of the scoped arm carries the effect
 * with probability `share`; any request, in either arm, is slowed past the cut by load with
 * probability `noise` (in bursts, as load comes).
 */
function simulate(n: number, share: number, noise: number, seed: number): Observation[] {
  const next = random(seed);
  const out: Observation[] = [];
  let burst = 0;
  for (let i = 0; i < n; i++) {
    if (burst === 0 && next() < noise / 4) burst = 8;
    const slowByLoad = burst > 0 ? next() < 0.5 : next() < noise / 2;
    if (burst > 0) burst--;
    const arm = i % 2 === 0 ? 'scoped' : 'control';
    const delayed = arm === 'scoped' && next() < share;
    out.push({
      requestId: `r${i}`,
      arm,
      outcome: 'response',
      status: 200,
      latencyMs: (delayed ? 100 : 2) + (slowByLoad ? 150 : 0),
    });
  }
  return out;
}

describe('effectInterval', () => {
  it('subtracts the control rate: (r − q) / (1 − q), lower end from the scoped lower and control upper bounds', () => {
    const i = effectInterval({ lower: 0.3, upper: 0.4 }, { lower: 0.1, upper: 0.2 });
    expect(i.lower).toBeCloseTo((0.3 - 0.2) / 0.8);
    expect(i.upper).toBeCloseTo((0.4 - 0.1) / 0.9);
  });
  it('says nothing when the control arm may be entirely affected', () => {
    expect(effectInterval({ lower: 0.9, upper: 1 }, { lower: 0.8, upper: 1 })).toEqual({
      lower: 0,
      upper: 1,
    });
  });
});

describe('decideControlledRatio', () => {
  const { maxLooks, batchSize } = planControlledRatio(spec);

  it('passes a mesh on target whatever the load, and fails one without the effect under the same load', () => {
    for (const noise of [0, 0.05, 0.1, 0.2]) {
      for (let seed = 1; seed <= 5; seed++) {
        const conformant = simulate(12_000, 0.2, noise, seed);
        const verdict = decideControlledRatio(conformant, classify, spec, 1, maxLooks);
        expect(verdict.decision, `noise ${noise} seed ${seed}: ${verdict.lower}–${verdict.upper}`).not.toBe(
          'FAIL',
        );
        const ignored = decideControlledRatio(simulate(12_000, 0, noise, seed), classify, spec, 1, maxLooks);
        expect(ignored.decision, `noise ${noise} seed ${seed}`).toBe('FAIL');
      }
    }
  });

  it('fails a doubled rate and passes on target once the evidence suffices', () => {
    expect(decideControlledRatio(simulate(8_000, 0.4, 0.05, 7), classify, spec, 1, maxLooks).decision).toBe(
      'FAIL',
    );
    expect(decideControlledRatio(simulate(20_000, 0.2, 0, 7), classify, spec, 1, maxLooks).decision).toBe(
      'PASS',
    );
  });

  it('asks for more while thin, and ends inconclusive at the last look', () => {
    const thin = simulate(batchSize, 0.2, 0.05, 3);
    expect(decideControlledRatio(thin, classify, spec, 1, maxLooks).decision).toBe('CONTINUE');
    expect(decideControlledRatio(thin, classify, spec, maxLooks, maxLooks)).toMatchObject({
      decision: 'FAIL',
      reason: 'inconclusive',
    });
  });

  it('fails on any failed request, naming how they ended', () => {
    const broken: Observation[] = [
      ...simulate(2_000, 0.2, 0, 4),
      { requestId: 'x', arm: 'scoped', outcome: 'reset', latencyMs: 1 },
    ];
    const j = judgeControlledRatio(broken, classify, spec, { batchSize, maxLooks }, 'delayed');
    expect(j.status).toBe('FAILED');
    expect(j.got).toContain('reset ×1');
  });
});

describe('planControlledRatio', () => {
  it('plans whole batches of both arms, more of them for a noisier machine', () => {
    const quiet = planControlledRatio({ ...spec, plannedNoise: 0 });
    const loaded = planControlledRatio({ ...spec, plannedNoise: 0.2 });
    expect(quiet.batchSize % 2).toBe(0);
    expect(quiet.maxRequests).toBe(quiet.batchSize * quiet.maxLooks);
    expect(loaded.maxRequests).toBeGreaterThan(quiet.maxRequests);
  });
});

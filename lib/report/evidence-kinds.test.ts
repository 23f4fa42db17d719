import { describe, expect, it } from 'vitest';
import { type Evidence, type EvidenceItem, evidenceKinds } from '../model/evidence.ts';
import type { CheckResult } from '../model/verdict.ts';
import { renderEvidence } from './evidence-html.ts';
import { describeEvidence, evidenceLines } from './evidence-text.ts';

/** One piece of every kind, as judges record them. */
const pieces: Readonly<Record<EvidenceItem['kind'], EvidenceItem>> = {
  ratio: {
    kind: 'ratio',
    verdict: {
      decision: 'FAIL',
      reason: 'outside-tolerance',
      alpha: 1e-5,
      perIntervalAlpha: 2e-7,
      tolerance: 0.05,
      requests: 200,
      look: 1,
      maxLooks: 20,
      categories: [
        {
          name: 'v1',
          target: 0.9,
          count: 150,
          observed: 0.75,
          lower: 0.65,
          upper: 0.83,
          inBand: false,
          disjoint: true,
        },
      ],
    },
    counts: { v1: 150, v2: 50 },
    sampling: { batchSize: 200, maxRequests: 4000, maxLooks: 20 },
  },
  'control-arm': {
    kind: 'control-arm',
    arms: { scoped: 'delayed', control: 'control' },
    verdict: {
      decision: 'FAIL',
      reason: 'outside-tolerance',
      target: 0.2,
      tolerance: 0.1,
      alpha: 1e-5,
      perIntervalAlpha: 1e-7,
      look: 2,
      maxLooks: 10,
      scoped: { requests: 100, affected: 60, failed: 0, lower: 0.48, upper: 0.71 },
      control: { requests: 100, affected: 5, failed: 0, lower: 0.01, upper: 0.13 },
      estimate: 0.58,
      lower: 0.4,
      upper: 0.7,
    },
  },
  latency: {
    kind: 'latency',
    band: { fromMs: 285, toMs: 550 },
    percentiles: {
      count: 2,
      minMs: 300,
      meanMs: 310,
      p50Ms: 300,
      p90Ms: 320,
      p99Ms: 320,
      p999Ms: 320,
      maxMs: 320,
    },
    buckets: [{ fromMs: 0, toMs: null, count: 2 }],
    summary: 'min 300 / p50 300 / max 320 ms',
    marks: [{ label: 'timeout', ms: 300 }],
  },
  latencies: { kind: 'latencies', valuesMs: [210, 230], marks: [{ label: 'per try timeout', ms: 200 }] },
  attempts: { kind: 'attempts', byTraffic: { recovers: [3, 3] } },
  cases: {
    kind: 'cases',
    cases: [
      { label: 'GET /admin as frontend', want: '403', got: '200 ×5', ok: false },
      { label: 'GET /public as frontend', want: '2xx', got: '200 ×5', ok: true },
    ],
  },
  timeline: { kind: 'timeline', events: [{ atMs: 1500, label: 'control plane stopped' }] },
  requests: { kind: 'requests', byTraffic: { split: 200 } },
  value: { kind: 'value', value: { budget: 10 } },
};

const checkWith = (evidence: Evidence) => ({ evidence }) as unknown as CheckResult;

describe('every kind of evidence has a renderer', () => {
  it.each(evidenceKinds.map((kind) => [kind]))(
    '%s: report.html draws it, summary.md and annotations describe it',
    (kind) => {
      const item = pieces[kind];
      const page = renderEvidence(checkWith({ piece: item }))?.toString() ?? '';
      expect(page).not.toBe('');
      expect(describeEvidence(item)).not.toBe('');
      expect(evidenceLines({ piece: item })).toEqual([`piece: ${describeEvidence(item)}`]);
    },
  );

  it('draws case tables, control arms and timelines with their contents', () => {
    const page = renderEvidence(
      checkWith({ cases: pieces.cases, arms: pieces['control-arm'], timeline: pieces.timeline }),
    )?.toString();
    expect(page).toContain('<td>GET /admin as frontend</td><td>403</td><td>200 ×5</td>');
    expect(page).toContain('<td>delayed</td><td>100</td><td>60</td><td>0</td>');
    expect(page).toContain('<td>1.5 s</td><td>control plane stopped</td>');
    expect(describeEvidence(pieces.cases)).toBe('✗ GET /admin as frontend: got 200 ×5');
  });
});

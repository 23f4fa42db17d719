import { describe, expect, it } from 'vitest';
import type { MeshMetrics, Observation } from '../model/index.ts';
import {
  countDifferences,
  countedBy,
  expectedByDestination,
  expectedBySource,
  histogramViolations,
} from './request-metrics.ts';

const answered = (version: 'v1' | 'v2', status: number, serverAttempts: number): Observation => ({
  requestId: 'r',
  outcome: 'response',
  status,
  latencyMs: 5,
  servedBy: { version, instance: version },
  serverAttempts,
});

describe('request counts by reporter', () => {
  const observations = [answered('v1', 200, 1), answered('v2', 503, 3), answered('v2', 503, 3)];
  const metrics = (sourceRetried: number): MeshMetrics => ({
    startedAt: {},
    counts: [
      {
        proxy: 'client',
        reporter: 'source',
        source: 'client',
        destination: 'server-v1',
        code: '200',
        value: 1,
      },
      {
        proxy: 'client',
        reporter: 'source',
        source: 'client',
        destination: 'server-v2',
        code: '503',
        value: sourceRetried,
      },
      {
        proxy: 'server-v1',
        reporter: 'destination',
        source: 'client',
        destination: 'server-v1',
        code: '200',
        value: 1,
      },
      {
        proxy: 'server-v1',
        reporter: 'destination',
        source: 'client',
        destination: 'server-v1',
        code: '503',
        value: 2,
      },
      {
        proxy: 'server-v2',
        reporter: 'destination',
        source: 'client',
        destination: 'server-v2',
        code: '503',
        value: 4,
      },
    ],
    durations: [],
  });

  it('wants each request once at the source and each attempt at the destination (summed over servers)', () => {
    const wantSource = expectedBySource([['client', observations]]);
    const wantDestination = expectedByDestination([['client', observations]]);
    expect(countDifferences(wantSource, countedBy(metrics(2), 'source'))).toEqual([]);
    expect(countDifferences(wantDestination, countedBy(metrics(2), 'destination'))).toEqual([]);
  });

  it('fails a source reporter that counts the attempts, and would fail the destination against client counts', () => {
    expect(
      countDifferences(expectedBySource([['client', observations]]), countedBy(metrics(6), 'source')),
    ).toEqual(['client → server-v2 503: want 2, got 6']);
    expect(
      countDifferences(expectedBySource([['client', observations]]), countedBy(metrics(2), 'destination')),
    ).not.toEqual([]);
  });
});

describe('histogramViolations', () => {
  const bounds = [10, 25, 50, 250, 500, Number.POSITIVE_INFINITY];
  const histogram = (counts: number[]) => ({
    buckets: counts.map((count, i) => ({ le: bounds[i] ?? 0, count })),
    count: counts[counts.length - 1] ?? 0,
  });
  // Two undelayed requests seen in 3 ms, two delayed 40 ms seen in 45 ms, one delayed 300 ms seen in 310 ms.
  const requests = [
    { atLeastMs: 0, clientMs: 3 },
    { atLeastMs: 0, clientMs: 3 },
    { atLeastMs: 40, clientMs: 45 },
    { atLeastMs: 40, clientMs: 45 },
    { atLeastMs: 300, clientMs: 310 },
  ];

  it('passes each request in a bucket its server delay and client latency allow', () => {
    expect(histogramViolations(histogram([2, 2, 4, 4, 5, 5]), requests)).toEqual([]);
  });

  it('allows a loaded machine to push requests one bucket up (client latencies of 600 ms)', () => {
    const slow = requests.map((r) => ({ ...r, clientMs: 600 }));
    expect(histogramViolations(histogram([0, 0, 0, 0, 0, 5]), slow)).toEqual([]);
  });

  it('fails durations recorded in seconds (every request in the first bucket)', () => {
    expect(histogramViolations(histogram([5, 5, 5, 5, 5, 5]), requests)).toContain('le=10: 5, want 0..2');
  });

  it('fails a request filed one bucket low (40 ms under le=25)', () => {
    expect(histogramViolations(histogram([2, 4, 4, 5, 5, 5]), requests)).toEqual(
      expect.arrayContaining(['le=25: 4, want 2', 'le=250: 5, want 4']),
    );
  });

  it('fails a histogram that lost requests or whose buckets go down', () => {
    expect(histogramViolations(histogram([2, 2, 4, 4, 4, 4]), requests)).toContain('_count 4, want 5');
    expect(histogramViolations(histogram([2, 1, 4, 4, 5, 5]), requests)).toContain(
      'le=25: 1 is below the bucket before it (2)',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { type MeshMetrics, MetricsRestartError, metricsDelta } from './metrics.ts';

const series = { proxy: 'client', reporter: 'source', source: 'client', destination: 'server-v1' } as const;
const scrape = (
  startedAt: number,
  counts: [code: string, value: number][],
  buckets: number[] = [],
): MeshMetrics => ({
  startedAt: { client: startedAt },
  counts: counts.map(([code, value]) => ({ ...series, code, value })),
  durations:
    buckets.length > 0
      ? [
          {
            ...series,
            code: '200',
            buckets: buckets.map((count, i) => ({ le: [25, 50, Number.POSITIVE_INFINITY][i] ?? 0, count })),
            count: buckets[buckets.length - 1] ?? 0,
          },
        ]
      : [],
});

describe('metricsDelta', () => {
  it('subtracts series by series, a series absent before counting 0', () => {
    const delta = metricsDelta(
      scrape(1, [['200', 4]], [1, 4, 4]),
      scrape(
        1,
        [
          ['200', 10],
          ['503', 6],
        ],
        [3, 9, 10],
      ),
    );
    expect(delta.counts.map((c) => [c.code, c.value])).toEqual([
      ['200', 6],
      ['503', 6],
    ]);
    expect(delta.durations[0]?.buckets.map((b) => b.count)).toEqual([2, 5, 6]);
    expect(delta.durations[0]?.count).toBe(6);
  });

  it('keeps a counter that went down without a restart as a negative delta, for the judge to fail', () => {
    const delta = metricsDelta(scrape(1, [['200', 9]]), scrape(1, [['200', 4]]));
    expect(delta.counts.map((c) => c.value)).toEqual([-5]);
  });

  it('is an error when a proxy restarted between the scrapes', () => {
    expect(() => metricsDelta(scrape(1, [['200', 9]]), scrape(2, [['200', 4]]))).toThrow(MetricsRestartError);
  });
});

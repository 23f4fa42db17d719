import { describe, expect, it } from 'vitest';
import { istioMetricNames } from '../meshes/istio/istio-metrics.ts';
import { readReferenceMetrics } from '../meshes/reference/read-metrics.ts';
import { parseExposition, requestMetricsOf } from './exposition.ts';

const labels = (destination: string, code = '200') =>
  `reporter="source",source_workload="client",destination_workload="${destination}",response_code="${code}"`;

/** Two series of one histogram, as the reference sidecars write them (no HELP lines). */
const referenceText = [
  '# TYPE meshproof_process_start_time_seconds gauge',
  'meshproof_process_start_time_seconds 1764870000.123456',
  '# TYPE meshproof_requests_total counter',
  `meshproof_requests_total{${labels('server-v1')}} 5`,
  `meshproof_requests_total{${labels('server-v2', '503')}} 7`,
  '# TYPE meshproof_request_duration_milliseconds histogram',
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v1')},le="25"} 1`,
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v1')},le="50"} 5`,
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v1')},le="+Inf"} 5`,
  `meshproof_request_duration_milliseconds_sum{${labels('server-v1')}} 120`,
  `meshproof_request_duration_milliseconds_count{${labels('server-v1')}} 5`,
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v2', '503')},le="25"} 0`,
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v2', '503')},le="50"} 2`,
  `meshproof_request_duration_milliseconds_bucket{${labels('server-v2', '503')},le="+Inf"} 7`,
  `meshproof_request_duration_milliseconds_sum{${labels('server-v2', '503')}} 900`,
  `meshproof_request_duration_milliseconds_count{${labels('server-v2', '503')}} 7`,
].join('\n');

describe('parseExposition and requestMetricsOf', () => {
  it('reads every series of a labelled histogram with its own buckets (the parser alone merges them)', () => {
    const metrics = readReferenceMetrics({ client: referenceText });
    expect(metrics.startedAt).toEqual({ client: 1764870000.123456 });
    expect(metrics.counts.map((c) => [c.destination, c.code, c.value])).toEqual([
      ['server-v1', '200', 5],
      ['server-v2', '503', 7],
    ]);
    expect(metrics.durations.map((d) => [d.destination, d.count, d.buckets])).toEqual([
      [
        'server-v1',
        5,
        [
          { le: 25, count: 1 },
          { le: 50, count: 5 },
          { le: Number.POSITIVE_INFINITY, count: 5 },
        ],
      ],
      [
        'server-v2',
        7,
        [
          { le: 25, count: 0 },
          { le: 50, count: 2 },
          { le: Number.POSITIVE_INFINITY, count: 7 },
        ],
      ],
    ]);
  });

  it('reads the last sample of a text without a final newline', () => {
    const families = parseExposition('# TYPE a counter\na{x="1"} 3');
    expect(families).toEqual([
      { name: 'a', help: '', type: 'COUNTER', metrics: [{ labels: { x: '1' }, value: '3' }] },
    ]);
  });

  it("reads Istio's istio_requests_total, ignoring the waypoint reporter and labels it does not compare", () => {
    const text = [
      '# TYPE istio_requests_total counter',
      'istio_requests_total{reporter="destination",source_workload="client",source_workload_namespace="meshproof",destination_workload="server-v1",response_code="404",response_flags="-"} 6',
      'istio_requests_total{reporter="waypoint",source_workload="client",destination_workload="server-v1",response_code="200"} 2',
    ].join('\n');
    const { counts } = requestMetricsOf(parseExposition(text), istioMetricNames, 'server-v1-pod');
    expect(counts).toEqual([
      {
        proxy: 'server-v1-pod',
        reporter: 'destination',
        source: 'client',
        destination: 'server-v1',
        code: '404',
        value: 6,
      },
    ]);
  });

  it('refuses a sidecar scrape without its start time (counters could not be told apart from a restart)', () => {
    expect(() => readReferenceMetrics({ client: '# TYPE meshproof_requests_total counter\n' })).toThrow(
      /meshproof_process_start_time_seconds/,
    );
  });
});

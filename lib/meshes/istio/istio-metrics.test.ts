import { describe, expect, it } from 'vitest';
import { MetricsRestartError, metricsDelta } from '../../model/index.ts';
import { istioMetricsStep, readIstioMetrics } from './istio-metrics.ts';

/** A sidecar scrape as Envoy's admin API writes it (`/stats/prometheus`), trimmed to what is read. */
const scrape = (uptime: number, requests: number) =>
  [
    '# TYPE envoy_server_uptime gauge',
    `envoy_server_uptime{} ${uptime}`,
    '# TYPE istio_requests_total counter',
    `istio_requests_total{reporter="source",source_workload="client",source_workload_namespace="meshproof-r1",destination_workload="server-v1",destination_workload_namespace="meshproof-r1",response_code="503",response_flags="-",connection_security_policy="unknown"} ${requests}`,
    '# TYPE istio_request_duration_milliseconds histogram',
    `istio_request_duration_milliseconds_bucket{reporter="source",source_workload="client",destination_workload="server-v1",response_code="503",le="25"} ${requests}`,
    `istio_request_duration_milliseconds_bucket{reporter="source",source_workload="client",destination_workload="server-v1",response_code="503",le="+Inf"} ${requests}`,
    `istio_request_duration_milliseconds_sum{reporter="source",source_workload="client",destination_workload="server-v1",response_code="503"} 40`,
    `istio_request_duration_milliseconds_count{reporter="source",source_workload="client",destination_workload="server-v1",response_code="503"} ${requests}`,
  ].join('\n');

describe('Istio sidecar metrics', () => {
  it("are read through pilot-agent in the istio-proxy container (Envoy's admin API)", () => {
    const step = istioMetricsStep(
      { namespace: 'meshproof-r1', deployment: 'client', selector: 'app=client', container: 'k6' },
      30_000,
    );
    expect(step.target.container).toBe('istio-proxy');
    expect(step.argv).toEqual(['pilot-agent', 'request', 'GET', 'stats/prometheus']);
  });

  it('give counts and histograms by reporter, workloads and code, and their difference', () => {
    const before = readIstioMetrics({ client: scrape(100, 2) });
    const after = readIstioMetrics({ client: scrape(104, 8) });
    const delta = metricsDelta(before, after);
    expect(delta.counts.map((c) => [c.reporter, c.source, c.destination, c.code, c.value])).toEqual([
      ['source', 'client', 'server-v1', '503', 6],
    ]);
    expect(delta.durations[0]?.count).toBe(6);
  });

  it('a sidecar whose uptime went down restarted: an error, not a verdict', () => {
    expect(() =>
      metricsDelta(readIstioMetrics({ client: scrape(100, 2) }), readIstioMetrics({ client: scrape(3, 1) })),
    ).toThrow(MetricsRestartError);
  });
});

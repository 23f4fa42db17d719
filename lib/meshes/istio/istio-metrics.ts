import type { MeshMetrics } from '../../model/index.ts';
import type { ExecTarget, LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import {
  gaugeOf,
  parseExposition,
  type RequestMetricNames,
  requestMetricsOf,
} from '../../telemetry/exposition.ts';

/**
 * Istio's request metrics as each sidecar's stats filter writes them (istio/proxy 1.30.3
 * `istio_stats.cc`, docs/cluster-contract.md M1, M2); workload names are the Deployments' (M12).
 */
export const istioMetricNames: RequestMetricNames = {
  requests: 'istio_requests_total',
  durations: 'istio_request_duration_milliseconds',
  reporter: 'reporter',
  source: 'source_workload',
  destination: 'destination_workload',
  code: 'response_code',
};

/**
 * Reads a pod's sidecar metrics: `pilot-agent request GET stats/prometheus` in the `istio-proxy`
 * container asks Envoy's admin API on localhost:15000 (istio/istio 1.30.3
 * `pilot/cmd/pilot-agent/app/request.go`, M11), which serves every stat the bootstrap's matcher
 * keeps, `istio_*` and `server.*` among them.
 */
export function istioMetricsStep(
  target: ExecTarget,
  deadlineMs: number,
): Extract<LiveStep, { kind: 'exec' }> {
  return {
    kind: 'exec',
    title: `the request metrics of ${target.deployment}'s sidecar`,
    target: { ...target, container: 'istio-proxy' },
    argv: ['pilot-agent', 'request', 'GET', 'stats/prometheus'],
    deadlineMs,
  };
}

/** Istio's metrics from each pod's scrape (pure): `{ deployment: exposition text }`; restarts from `envoy_server_uptime`. */
export function readIstioMetrics(scrapes: Readonly<Record<string, string>>): MeshMetrics {
  const uptimeS: Record<string, number> = {};
  const counts: MeshMetrics['counts'][number][] = [];
  const durations: MeshMetrics['durations'][number][] = [];
  for (const [proxy, text] of Object.entries(scrapes)) {
    const families = parseExposition(text);
    const uptime = gaugeOf(families, 'envoy_server_uptime');
    if (uptime === undefined) throw new Error(`the sidecar of ${proxy} served no envoy_server_uptime`);
    uptimeS[proxy] = uptime;
    const read = requestMetricsOf(families, istioMetricNames, proxy);
    counts.push(...read.counts);
    durations.push(...read.durations);
  }
  return { startedAt: {}, uptimeS, counts, durations };
}

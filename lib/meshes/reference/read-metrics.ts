import type { MeshMetrics } from '../../model/index.ts';
import {
  gaugeOf,
  parseExposition,
  type RequestMetricNames,
  requestMetricsOf,
} from '../../telemetry/exposition.ts';

/** The names the reference mesh's stats (telemetry-lua.ts) write, Istio's labels under its own prefix. */
export const referenceMetricNames: RequestMetricNames = {
  requests: 'meshproof_requests_total',
  durations: 'meshproof_request_duration_milliseconds',
  reporter: 'reporter',
  source: 'source_workload',
  destination: 'destination_workload',
  code: 'response_code',
};

/** The reference mesh's metrics from each sidecar's scrape (pure): `{ sidecar name: exposition text }`. */
export function readReferenceMetrics(scrapes: Readonly<Record<string, string>>): MeshMetrics {
  const startedAt: Record<string, number> = {};
  const metrics: { counts: MeshMetrics['counts'][number][]; durations: MeshMetrics['durations'][number][] } =
    { counts: [], durations: [] };
  for (const [proxy, text] of Object.entries(scrapes)) {
    const families = parseExposition(text);
    const started = gaugeOf(families, 'meshproof_process_start_time_seconds');
    if (started === undefined)
      throw new Error(`sidecar ${proxy} served no meshproof_process_start_time_seconds`);
    startedAt[proxy] = started;
    const { counts, durations } = requestMetricsOf(families, referenceMetricNames, proxy);
    metrics.counts.push(...counts);
    metrics.durations.push(...durations);
  }
  return { startedAt, ...metrics };
}

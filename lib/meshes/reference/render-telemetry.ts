import type { Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import {
  metricsServiceName,
  recordFetchName,
  resettingMetricsServiceName,
  telemetryVar as v,
} from './telemetry-lua.ts';
import type { ReferenceWiring, SidecarWiring } from './wiring.ts';

// The reference mesh's request metrics (Istio's stats filter as the Telemetry API turns it on):
// each HTTP listener of a sidecar times every request from its first rule to its response and
// counts the response once it is sent (`http-after-response`, which also sees the answers haproxy
// gives itself: faults, denials, 503s). Rendered only with a RequestTelemetry intent, so that the
// metrics' defects change nothing for the checks that do not read metrics.

/** True when the mesh is told to report request metrics. */
export function telemetryEnabled(intents: readonly Intent[]): boolean {
  return intents.some((i) => i.kind === 'RequestTelemetry');
}

/** The first rule of a listener: when the request started, as the proxy's clock has it. */
export function telemetryStartLines(intents: readonly Intent[]): string[] {
  return telemetryEnabled(intents) ? [`  http-request set-var(${v.start}) date(0,ms)`] : [];
}

/** The code and duration of the response, then the count (shared by both reporters). */
function recordLines(
  reporter: 'source' | 'destination',
  self: string,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  const flags = [
    ...(reporter === 'source' && defects.has('metrics-retries-counted') ? ['attempts'] : []),
    ...(defects.has('metrics-latency-bucket-below') ? ['bucket-below'] : []),
  ];
  const unit = defects.has('metrics-latency-seconds') ? ',div(1000)' : '';
  return [
    `  http-after-response set-var(${v.code}) status`,
    ...(defects.has('metrics-5xx-as-2xx')
      ? [`  http-after-response set-var(${v.code}) int(200) if { status ge 500 }`]
      : []),
    `  http-after-response set-var(${v.durationMs}) date(0,ms),sub(${v.start})${unit}`,
    ...(flags.includes('attempts') ? [`  http-after-response set-var-fmt(${v.retries}) "%rc"`] : []),
    `  http-after-response set-var(${v.recorded}) lua.${recordFetchName}(${[reporter, self, ...(flags.length > 0 ? [flags.join('+')] : [])].join(',')})${defects.has('metrics-5xx-dropped') ? ' unless { status ge 500 }' : ''}`,
  ];
}

/**
 * A server sidecar's HTTP listener, the destination reporter: the source is the workload of the
 * peer certificate's SPIFFE ID (`spiffe://<td>/ns/<ns>/sa/<sa>`, its 7th `/` field), on mTLS only.
 */
export function inboundTelemetryLines(
  intents: readonly Intent[],
  mtls: boolean,
  sidecar: SidecarWiring,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  if (!telemetryEnabled(intents)) return [];
  const field = defects.has('metrics-source-namespace') ? 5 : 7;
  return [
    ...(mtls
      ? [`  http-after-response set-var(${v.peer}) ssl_c_s_dn(CN),field(${field},/) if { ssl_c_used }`]
      : []),
    ...recordLines('destination', sidecar.name, defects),
  ];
}

/** A caller sidecar's outbound listener, the source reporter: the destination is the endpoint that answered. */
export function outboundTelemetryLines(
  intents: readonly Intent[],
  sidecar: SidecarWiring,
  wiring: ReferenceWiring,
  defects: ReadonlySet<ReferenceDefect>,
): string[] {
  if (!telemetryEnabled(intents)) return [];
  const first = wiring.services.server[0]?.sidecar ?? 'unknown';
  const upstream = defects.has('metrics-destination-first-endpoint') ? `str(${first})` : 'srv_name';
  return [
    `  http-after-response set-var(${v.upstream}) ${upstream}`,
    ...recordLines('source', sidecar.name, defects),
  ];
}

/** Where the harness scrapes a sidecar's metrics: `/stats/prometheus` (any path) on its metrics port. */
export function metricsFrontend(
  intents: readonly Intent[],
  sidecar: SidecarWiring,
  defects: ReadonlySet<ReferenceDefect>,
): string[][] {
  if (sidecar.metricsPort === undefined) return [];
  // Without telemetry the port is still held (bound, every connection refused), so that no other
  // process on the machine can take it and answer the next scrape in the sidecar's place.
  if (!telemetryEnabled(intents))
    return [
      [
        'frontend metrics-unconfigured',
        '  mode tcp',
        `  bind 127.0.0.1:${sidecar.metricsPort}`,
        '  tcp-request connection reject',
      ],
    ];
  const service = defects.has('metrics-reset-on-scrape') ? resettingMetricsServiceName : metricsServiceName;
  return [
    [
      'frontend metrics',
      `  bind 127.0.0.1:${sidecar.metricsPort}`,
      '  no log',
      `  http-request use-service lua.${service}`,
    ],
  ];
}

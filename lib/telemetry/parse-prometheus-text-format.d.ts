declare module 'parse-prometheus-text-format' {
  /** Parses the Prometheus text format into metric families (see lib/telemetry/exposition.ts). */
  export default function parsePrometheusTextFormat(text: string): unknown[];
}

import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type {
  HistogramBucket,
  MetricsReporter,
  RequestCount,
  RequestDurations,
  RequestSeries,
} from '../model/index.ts';

/** One sample of a family as the parser gives it: values are strings, as written. */
interface ParsedSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value?: string;
}

/** A metric family of the Prometheus text format (`TYPE` upper-case, as the parser writes it). */
export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  readonly metrics: readonly ParsedSample[];
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4) with `parse-prometheus-text-format`,
 * the one place the library is called. Its histogram reading merges every series of a family into
 * one and drops their labels (`flattenMetrics` in 1.1.1), so the `TYPE … histogram` lines are left
 * out: a histogram's `_bucket`, `_sum` and `_count` samples are then read as plain samples, each
 * with its labels (`le` among them). It also ends the last family only at a line after it, hence
 * the newline at the end.
 */
export function parseExposition(text: string): MetricFamily[] {
  const withoutHistogramTypes = text
    .split('\n')
    .filter((line) => !/^#\s*TYPE\s+\S+\s+histogram\s*$/.test(line))
    .join('\n');
  return parsePrometheusTextFormat(`${withoutHistogramTypes}\n`) as MetricFamily[];
}

/**
 * Where a mesh puts the labels of its request metrics. Istio's `istio_requests_total` and
 * `istio_request_duration_milliseconds` and the reference mesh's `meshproof_*` share these names.
 */
export interface RequestMetricNames {
  readonly requests: string;
  readonly durations: string;
  readonly reporter: string;
  readonly source: string;
  readonly destination: string;
  readonly code: string;
}

function numberOf(text: string | undefined, what: string): number {
  const value = text === '+Inf' ? Number.POSITIVE_INFINITY : Number(text);
  if (text === undefined || Number.isNaN(value)) throw new Error(`metrics: ${what} is not a number: ${text}`);
  return value;
}

/** The labels of a request series; a reporter other than source or destination is not one of ours (null). */
function seriesOf(sample: ParsedSample, names: RequestMetricNames, proxy: string): RequestSeries | null {
  const labels = sample.labels ?? {};
  const reporter = labels[names.reporter];
  if (reporter !== 'source' && reporter !== 'destination') return null;
  return {
    proxy,
    reporter: reporter satisfies MetricsReporter,
    source: labels[names.source] ?? 'unknown',
    destination: labels[names.destination] ?? 'unknown',
    code: labels[names.code] ?? '0',
  };
}

/**
 * Every sample of a name: without their TYPE line, a histogram's `_bucket`, `_sum` and `_count`
 * lines alternate series by series, and each run of one name is a family of its own.
 */
function samplesOf(families: readonly MetricFamily[], name: string): ParsedSample[] {
  return families.filter((f) => f.name === name).flatMap((f) => f.metrics);
}

/** The request counts and duration histograms of one proxy's scrape (pure). */
export function requestMetricsOf(
  families: readonly MetricFamily[],
  names: RequestMetricNames,
  proxy: string,
): { counts: RequestCount[]; durations: RequestDurations[] } {
  const counts: RequestCount[] = [];
  const durations: RequestDurations[] = [];
  for (const sample of samplesOf(families, names.requests)) {
    const series = seriesOf(sample, names, proxy);
    if (series) counts.push({ ...series, value: numberOf(sample.value, names.requests) });
  }
  // A histogram's series: its `_count` samples, each with the `_bucket` samples of the same labels.
  for (const sample of samplesOf(families, `${names.durations}_count`)) {
    const series = seriesOf(sample, names, proxy);
    if (!series) continue;
    const same = (b: ParsedSample) => {
      const { le: _le, ...labels } = b.labels ?? {};
      const own = sample.labels ?? {};
      return (
        Object.keys(own).length === Object.keys(labels).length &&
        Object.entries(own).every(([k, v]) => labels[k] === v)
      );
    };
    const buckets: HistogramBucket[] = samplesOf(families, `${names.durations}_bucket`)
      .filter(same)
      .map((b) => ({
        le: numberOf(b.labels?.le, `${names.durations} le`),
        count: numberOf(b.value, 'bucket'),
      }))
      .sort((a, b) => a.le - b.le);
    durations.push({ ...series, buckets, count: numberOf(sample.value, `${names.durations}_count`) });
  }
  return { counts, durations };
}

/** A gauge's value (the first sample), or undefined when the family is absent. */
export function gaugeOf(families: readonly MetricFamily[], name: string): number | undefined {
  const sample = families.find((f) => f.name === name)?.metrics[0];
  return sample ? numberOf(sample.value, name) : undefined;
}

import type { CheckResult } from '../model/verdict.ts';
import type { CategoryVerdict, LatencySummary, RatioVerdict } from '../stats/index.ts';
import { decodeLatencyHistogram, latencyBuckets } from '../stats/index.ts';
import { type Html, type HtmlValue, html, joinHtml } from './html-template.ts';
import { formatConfidence, formatNumber, formatPercent, formatProbability } from './html-text.ts';
import { type LatencyBin, niceStep, renderLatencyChart, renderRatioChart } from './svg-charts.ts';

/**
 * The evidence part of a check's section in the HTML report (pure): charts and tables for the
 * well-known evidence shapes (ratio verdicts, latency distributions, attempts, requests sent),
 * and every other field as a compact key/value list, so nothing a judge recorded is hidden.
 */

type Json = Readonly<Record<string, unknown>>;

interface LatencyEvidence {
  readonly band: { readonly fromMs: number; readonly toMs: number };
  readonly percentiles: LatencySummary;
  readonly buckets: readonly {
    readonly fromMs: number;
    readonly toMs: number | null;
    readonly count: number;
  }[];
  readonly histogram?: string;
}

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberArray = (value: unknown): value is readonly number[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'number');

function isRatioVerdict(value: unknown): value is RatioVerdict {
  return (
    isRecord(value) &&
    typeof value.tolerance === 'number' &&
    typeof value.alpha === 'number' &&
    Array.isArray(value.categories)
  );
}

function isLatencyEvidence(value: unknown): value is LatencyEvidence {
  return (
    isRecord(value) && isRecord(value.band) && isRecord(value.percentiles) && Array.isArray(value.buckets)
  );
}

/** Number of bars of a latency histogram. */
const latencyBinCount = 48;

/** The end of a latency chart's axis: the band and every sample fit, with a little room. */
function latencyAxisEnd(
  maxMs: number,
  band?: { readonly toMs: number },
  marks: readonly number[] = [],
): number {
  const wanted = Math.max(band ? band.toMs * 1.25 : 0, maxMs * 1.08, ...marks.map((ms) => ms * 1.08), 1);
  const step = niceStep(wanted);
  return Math.ceil(wanted / step) * step;
}

/** Equal-width bins over [0, end) from the encoded HdrHistogram of the evidence. */
function binsFromHistogram(encoded: string, end: number): LatencyBin[] {
  const width = end / latencyBinCount;
  const edges = Array.from({ length: latencyBinCount - 1 }, (_, i) => (i + 1) * width);
  return latencyBuckets(decodeLatencyHistogram(encoded), edges).map((bucket) => ({
    fromMs: bucket.fromMs,
    toMs: bucket.toMs ?? end,
    count: bucket.count,
  }));
}

/** Equal-width bins over [0, end) from raw latencies. */
export function binsFromValues(values: readonly number[], end: number): LatencyBin[] {
  const width = end / latencyBinCount;
  const counts = new Array<number>(latencyBinCount).fill(0);
  for (const value of values) {
    const index = Math.min(latencyBinCount - 1, Math.max(0, Math.floor(value / width)));
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts.map((count, i) => ({ fromMs: i * width, toMs: (i + 1) * width, count }));
}

function table(headers: readonly string[], rows: readonly (readonly HtmlValue[])[], className: string): Html {
  const head = headers.map((h) => html`<th scope="col">${h}</th>`);
  const body = rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`);
  return html`<div class="table-scroll"><table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${joinHtml(body, '\n')}\n</tbody></table></div>`;
}

function categoryState(category: CategoryVerdict): Html {
  if (category.inBand) return html`<span class="ok">within tolerance</span>`;
  if (category.disjoint) return html`<span class="bad">outside tolerance</span>`;
  return html`<span class="warn">undecided</span>`;
}

function renderRatio(verdict: RatioVerdict, counts: unknown, sampling: unknown): Html {
  const confidence = formatConfidence(verdict.alpha);
  const chart = renderRatioChart({
    tolerance: verdict.tolerance,
    confidence,
    categories: verdict.categories,
  });
  const rows: HtmlValue[][] = verdict.categories.map((c) => [
    html`<strong>${c.name}</strong>`,
    formatPercent(c.target),
    String(c.count),
    c.observed === null ? '—' : formatPercent(c.observed),
    `${formatPercent(c.lower)}–${formatPercent(c.upper)}`,
    `${formatPercent(Math.max(0, c.target - verdict.tolerance))}–${formatPercent(Math.min(1, c.target + verdict.tolerance))}`,
    categoryState(c),
  ]);
  // Categories without a target (the "rest" of a single-proportion check, unexpected
  // destinations) still count towards the total: show them, they explain low shares.
  const judged = new Set(verdict.categories.map((c) => c.name));
  if (isRecord(counts)) {
    for (const [name, count] of Object.entries(counts)) {
      if (judged.has(name) || typeof count !== 'number') continue;
      rows.push([
        name,
        '—',
        String(count),
        verdict.requests > 0 ? formatPercent(count / verdict.requests) : '—',
        '—',
        '—',
        html`<span class="muted">not judged (counts towards the total)</span>`,
      ]);
    }
  }
  const plan = isRecord(sampling) ? sampling : {};
  const decision =
    verdict.reason === 'inconclusive'
      ? 'inconclusive: the sampling cap was reached before every interval settled'
      : verdict.reason.replace(/-/g, ' ');
  const samplingLine = `${verdict.requests} requests, look ${verdict.look} of at most ${verdict.maxLooks}${
    typeof plan.batchSize === 'number'
      ? ` (batches of ${plan.batchSize}, cap ${String(plan.maxRequests)})`
      : ''
  }; decision ${verdict.decision} (${decision}); false-failure rate ≤ ${formatProbability(verdict.alpha)}, each interval at α = ${formatProbability(verdict.perIntervalAlpha)} (Clopper–Pearson, Bonferroni over categories × looks).`;
  return joinHtml(
    [
      html`<h5>Share per category</h5>`,
      html`<figure class="chart-figure">${chart}<figcaption>Each share's ${confidence} simultaneous confidence interval must lie inside the tolerance band (target ± ${formatNumber(verdict.tolerance * 100, 2)} points) to pass, and fails once it lies entirely outside.</figcaption></figure>`,
      table(
        ['category', 'target', 'requests', 'observed', `${confidence} interval`, 'tolerance band', 'result'],
        rows,
        'ratio-table',
      ),
      html`<p class="sampling">${samplingLine}</p>`,
    ],
    '\n',
  );
}

/** A marker on a latency chart, e.g. the p99 or the configured timeout. */
interface LatencyMarker {
  readonly label: string;
  readonly ms: number;
}

/**
 * The timeouts a check configured (`timeoutMs`, `perTryTimeoutMs`, …), drawn on its latency
 * charts: a request that ends near one was cut off by it.
 */
function timeoutMarkers(evidence: Json): LatencyMarker[] {
  return Object.entries(evidence)
    .filter(
      (entry): entry is [string, number] => /timeoutMs$/i.test(entry[0]) && typeof entry[1] === 'number',
    )
    .map(([key, ms]) => ({
      label: key
        .replace(/Ms$/, '')
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase(),
      ms,
    }));
}

function percentileTable(p: LatencySummary): Html {
  const ms = (value: number) => `${formatNumber(value, 1)} ms`;
  return table(
    ['requests', 'min', 'p50', 'p90', 'p99', 'max'],
    [[String(p.count), ms(p.minMs), ms(p.p50Ms), ms(p.p90Ms), ms(p.p99Ms), ms(p.maxMs)]],
    'percentile-table',
  );
}

function renderLatency(latency: LatencyEvidence, timeouts: readonly LatencyMarker[]): Html {
  const { band, percentiles } = latency;
  const end = latencyAxisEnd(
    percentiles.maxMs,
    band,
    timeouts.map((t) => t.ms),
  );
  let bins: LatencyBin[];
  try {
    bins = latency.histogram
      ? binsFromHistogram(latency.histogram, end)
      : latency.buckets.map((b) => ({ fromMs: b.fromMs, toMs: b.toMs ?? end, count: b.count }));
  } catch {
    // A histogram that does not decode still leaves the coarse buckets to draw.
    bins = latency.buckets.map((b) => ({ fromMs: b.fromMs, toMs: b.toMs ?? end, count: b.count }));
  }
  const below = latency.buckets.filter((b) => b.toMs !== null && b.toMs <= band.fromMs);
  const within = latency.buckets.filter(
    (b) => b.fromMs >= band.fromMs && b.toMs !== null && b.toMs <= band.toMs,
  );
  const sum = (buckets: readonly { count: number }[]) => buckets.reduce((total, b) => total + b.count, 0);
  const inBand = sum(within);
  const under = sum(below);
  const over = percentiles.count - inBand - under;
  const chart = renderLatencyChart({
    bins,
    band,
    markers: [...timeouts, { label: 'p50', ms: percentiles.p50Ms }, { label: 'p99', ms: percentiles.p99Ms }],
    title: `Latency distribution of ${percentiles.count} requests against the expected band ${formatNumber(band.fromMs, 0)}–${formatNumber(band.toMs, 0)} ms`,
  });
  return joinHtml(
    [
      html`<h5>Latency distribution</h5>`,
      html`<figure class="chart-figure">${chart}<figcaption>Expected band ${formatNumber(band.fromMs, 1)}–${formatNumber(band.toMs, 1)} ms (shaded): <strong>${inBand}</strong> of ${percentiles.count} requests inside, ${under} faster, ${over} slower.</figcaption></figure>`,
      percentileTable(percentiles),
    ],
    '\n',
  );
}

function renderLatencyValues(values: readonly number[], timeouts: readonly LatencyMarker[]): Html {
  const sorted = [...values].sort((a, b) => a - b);
  const max = sorted.at(-1) ?? 0;
  const end = latencyAxisEnd(
    max,
    undefined,
    timeouts.map((t) => t.ms),
  );
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const chart = renderLatencyChart({
    bins: binsFromValues(values, end),
    markers: [...timeouts, { label: 'median', ms: median }],
    title: `Latency of ${values.length} requests`,
  });
  return joinHtml(
    [
      html`<h5>Latency per request</h5>`,
      html`<figure class="chart-figure">${chart}<figcaption>${values.length} requests: min ${formatNumber(sorted[0] ?? 0, 1)} ms, median ${formatNumber(median, 1)} ms, max ${formatNumber(max, 1)} ms.</figcaption></figure>`,
    ],
    '\n',
  );
}

/** "3 attempts ×20" or "1 attempt ×5, 3 attempts ×15". */
export function describeAttemptCounts(attempts: readonly number[]): string {
  if (attempts.length === 0) return 'no requests';
  const counts = new Map<number, number>();
  for (const a of attempts) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, count]) => `${n} attempt${n === 1 ? '' : 's'} ×${count}`)
    .join(', ');
}

function renderAttempts(attempts: unknown): Html | undefined {
  const plans: [string, readonly number[]][] = isNumberArray(attempts)
    ? [['all requests', attempts]]
    : isRecord(attempts)
      ? Object.entries(attempts).filter((entry): entry is [string, readonly number[]] =>
          isNumberArray(entry[1]),
        )
      : [];
  if (plans.length === 0) return undefined;
  return joinHtml(
    [
      html`<h5>Attempts seen by the servers</h5>`,
      table(
        ['traffic', 'requests', 'attempts per request'],
        plans.map(([plan, values]) => [plan, String(values.length), describeAttemptCounts(values)]),
        'attempts-table',
      ),
    ],
    '\n',
  );
}

/** Evidence values as short text: numbers and strings as they are, the rest as compact JSON. */
export function formatEvidenceValue(value: unknown, maxLength = 320): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length} characters)` : text;
}

/** The evidence of a check as HTML: charts, tables and the remaining fields; undefined when it has none. */
export function renderEvidence(check: CheckResult): Html | undefined {
  const evidence = check.evidence;
  const parts: Html[] = [];
  // Keys drawn by a dedicated part; every other key is listed as it is.
  const shown = new Set<string>();
  if (isRatioVerdict(evidence.ratio)) {
    parts.push(renderRatio(evidence.ratio, evidence.counts, evidence.sampling));
    for (const key of ['ratio', 'counts', 'sampling']) shown.add(key);
  }
  if (isLatencyEvidence(evidence.latency)) {
    parts.push(renderLatency(evidence.latency, timeoutMarkers(evidence)));
    shown.add('latency');
  }
  if (isNumberArray(evidence.latenciesMs) && evidence.latenciesMs.length > 0) {
    parts.push(renderLatencyValues(evidence.latenciesMs, timeoutMarkers(evidence)));
    shown.add('latenciesMs');
  }
  const attempts = renderAttempts(evidence.attempts);
  if (attempts) {
    parts.push(attempts);
    shown.add('attempts');
  }
  const requests = isRecord(evidence.requests) ? evidence.requests : undefined;
  if (requests) shown.add('requests');
  const rest = Object.entries(evidence).filter(([key]) => !shown.has(key));
  if (rest.length > 0) {
    parts.push(
      html`<dl class="evidence-fields">${rest.map(
        ([key, value]) => html`<dt>${key}</dt><dd><code>${formatEvidenceValue(value)}</code></dd>`,
      )}</dl>`,
    );
  }
  if (requests) {
    const sent = Object.entries(requests)
      .map(([plan, count]) => `${plan} ×${String(count)}`)
      .join(', ');
    parts.push(html`<p class="requests-sent">Requests sent: ${sent}.</p>`);
  }
  return parts.length > 0 ? joinHtml(parts, '\n') : undefined;
}

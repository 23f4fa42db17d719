import { unreachable } from '../model/check.ts';
import type {
  AttemptsEvidence,
  CasesEvidence,
  ControlArmEvidence,
  EvidenceItem,
  LatenciesEvidence,
  LatencyEvidence,
  RatioEvidence,
  TimelineEvidence,
} from '../model/evidence.ts';
import type { CheckResult } from '../model/verdict.ts';
import type { CategoryVerdict, LatencySummary } from '../stats/index.ts';
import { decodeLatencyHistogram, latencyBuckets } from '../stats/index.ts';
import { type Html, type HtmlValue, html, joinHtml } from './html-template.ts';
import { formatConfidence, formatNumber, formatPercent, formatProbability } from './html-text.ts';
import { type LatencyBin, niceStep, renderLatencyChart, renderRatioChart } from './svg-charts.ts';
import { renderTimelineChart } from './timeline-chart.ts';

/**
 * The evidence part of a check's section in the HTML report (pure): one part per piece of
 * evidence, chosen by its kind (charts for ratios and latencies, tables for attempts, cases and
 * control arms, a list for timelines, compact values for the rest), so nothing a judge recorded is hidden.
 */

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

function renderRatio({ verdict, counts, sampling }: RatioEvidence): Html {
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
  for (const [name, count] of Object.entries(counts)) {
    if (judged.has(name)) continue;
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
  const decision =
    verdict.reason === 'inconclusive'
      ? 'inconclusive: the sampling cap was reached before every interval settled'
      : verdict.reason.replace(/-/g, ' ');
  const samplingLine = `${verdict.requests} requests, look ${verdict.look} of at most ${verdict.maxLooks} (batches of ${sampling.batchSize}, cap ${String(sampling.maxRequests)}); decision ${verdict.decision} (${decision}); false-failure rate ≤ ${formatProbability(verdict.alpha)}, each interval at α = ${formatProbability(verdict.perIntervalAlpha)} (Clopper–Pearson, Bonferroni over categories × looks).`;
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

function percentileTable(p: LatencySummary): Html {
  const ms = (value: number) => `${formatNumber(value, 1)} ms`;
  return table(
    ['requests', 'min', 'p50', 'p90', 'p99', 'max'],
    [[String(p.count), ms(p.minMs), ms(p.p50Ms), ms(p.p90Ms), ms(p.p99Ms), ms(p.maxMs)]],
    'percentile-table',
  );
}

function renderLatency(latency: LatencyEvidence): Html {
  const { band, percentiles, marks: timeouts } = latency;
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

function renderLatencyValues({ valuesMs: values, marks: timeouts }: LatenciesEvidence): Html {
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

function renderAttempts({ byTraffic }: AttemptsEvidence): Html {
  return joinHtml(
    [
      html`<h5>Attempts seen by the servers</h5>`,
      table(
        ['traffic', 'requests', 'attempts per request'],
        Object.entries(byTraffic).map(([plan, values]) => [
          plan,
          String(values.length),
          describeAttemptCounts(values),
        ]),
        'attempts-table',
      ),
    ],
    '\n',
  );
}

function renderCases({ cases }: CasesEvidence): Html {
  return joinHtml(
    [
      html`<h5>Cases</h5>`,
      table(
        ['case', 'want', 'got', 'result'],
        cases.map((c) => [
          c.label,
          c.want,
          c.got,
          c.ok ? html`<span class="ok">as wanted</span>` : html`<span class="bad">not as wanted</span>`,
        ]),
        'cases-table',
      ),
    ],
    '\n',
  );
}

function renderControlArm({ verdict: v, arms }: ControlArmEvidence): Html {
  const confidence = formatConfidence(v.alpha);
  const arm = (name: string, a: ControlArmEvidence['verdict']['scoped']) => [
    name,
    String(a.requests),
    String(a.affected),
    String(a.failed),
    `${formatPercent(a.lower)}–${formatPercent(a.upper)}`,
  ];
  const share =
    v.estimate === null
      ? 'no share yet'
      : `${formatPercent(v.estimate)} (${confidence} simultaneous interval ${formatPercent(v.lower)}–${formatPercent(v.upper)})`;
  return joinHtml(
    [
      html`<h5>Effect against the control arm</h5>`,
      table(
        ['arm', 'requests', 'showing the effect', 'failed', `rate, ${confidence} interval`],
        [arm(arms.scoped, v.scoped), arm(arms.control, v.control)],
        'control-arm-table',
      ),
      html`<p class="sampling">Effect share ${share}, target ${formatPercent(v.target)} ± ${formatNumber(v.tolerance * 100, 2)} points; look ${v.look} of at most ${v.maxLooks}; decision ${v.decision} (${v.reason.replace(/-/g, ' ')}); false-failure rate ≤ ${formatProbability(v.alpha)}.</p>`,
    ],
    '\n',
  );
}

function renderTimeline(evidence: TimelineEvidence): Html {
  const { events } = evidence;
  const parts: Html[] = [
    html`<h5>Timeline</h5>`,
    table(
      ['at', 'what happened'],
      events.map((e) => [`${formatNumber(e.atMs / 1000, 2)} s`, e.label]),
      'timeline-table',
    ),
  ];
  const { durationMs, bucketMs } = evidence;
  if (evidence.streams && durationMs !== undefined && bucketMs !== undefined) {
    for (const [stream, buckets] of Object.entries(evidence.streams)) {
      parts.push(
        html`<figure class="chart-figure">${renderTimelineChart({ stream, durationMs, bucketMs, buckets, events })}<figcaption>Stream ${stream}: requests per ${bucketMs} ms of their scheduled time, by outcome; dashed lines mark the chaos actions.</figcaption></figure>`,
      );
    }
  }
  if (evidence.windows && evidence.windows.length > 0) {
    parts.push(
      table(
        ['stream', 'window', 'span', 'good / requests', '99% interval', 'floor', 'hypothesis'],
        evidence.windows.map((w) => [
          w.stream,
          w.window,
          `${formatNumber(w.fromMs / 1000, 2)}–${formatNumber(w.toMs / 1000, 2)} s`,
          `${w.ok} / ${w.requests}`,
          `${formatPercent(w.lower)}–${formatPercent(w.upper)}`,
          formatPercent(w.floor),
          w.held ? html`<span class="ok">held</span>` : html`<span class="bad">refuted</span>`,
        ]),
        'timeline-windows-table',
      ),
    );
  }
  if (evidence.schedule) {
    parts.push(
      table(
        [
          'stream',
          'rate',
          'sent / scheduled',
          'dropped',
          'achieved rate',
          'send lag p50 / p99 / max',
          'longest gap',
        ],
        Object.entries(evidence.schedule).map(([stream, k]) => [
          stream,
          `${formatNumber(k.ratePerS, 1)}/s`,
          `${k.sent} / ${k.scheduled}`,
          String(k.dropped),
          `${formatNumber(k.achievedRatePerS, 2)}/s`,
          `${formatNumber(k.p50LagMs, 1)} / ${formatNumber(k.p99LagMs, 1)} / ${formatNumber(k.maxLagMs, 1)} ms`,
          `${formatNumber(k.maxGapMs, 0)} ms`,
        ]),
        'timeline-schedule-table',
      ),
    );
  }
  return joinHtml(parts, '\n');
}

/** Evidence values as short text: numbers and strings as they are, the rest as compact JSON. */
export function formatEvidenceValue(value: unknown, maxLength = 320): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length} characters)` : text;
}

/** One piece of evidence as HTML, by its kind; values are gathered by the caller into one list. */
function renderItem(item: Exclude<EvidenceItem, { kind: 'value' | 'requests' }>): Html {
  switch (item.kind) {
    case 'ratio':
      return renderRatio(item);
    case 'control-arm':
      return renderControlArm(item);
    case 'latency':
      return renderLatency(item);
    case 'latencies':
      return renderLatencyValues(item);
    case 'attempts':
      return renderAttempts(item);
    case 'cases':
      return renderCases(item);
    case 'timeline':
      return renderTimeline(item);
    default:
      return unreachable(item);
  }
}

/** The evidence of a check as HTML: charts, tables and the remaining values; undefined when it has none. */
export function renderEvidence(check: CheckResult): Html | undefined {
  const parts: Html[] = [];
  const values: [string, unknown][] = [];
  const sent: string[] = [];
  for (const [name, item] of Object.entries(check.evidence)) {
    if (item.kind === 'value') values.push([name, item.value]);
    else if (item.kind === 'requests')
      sent.push(...Object.entries(item.byTraffic).map(([plan, count]) => `${plan} ×${String(count)}`));
    // An empty list of latencies has nothing to draw.
    else if (item.kind === 'latencies' && item.valuesMs.length === 0) continue;
    else if (item.kind === 'timeline' && item.events.length === 0) continue;
    else parts.push(renderItem(item));
  }
  if (values.length > 0) {
    parts.push(
      html`<dl class="evidence-fields">${values.map(
        ([key, value]) => html`<dt>${key}</dt><dd><code>${formatEvidenceValue(value)}</code></dd>`,
      )}</dl>`,
    );
  }
  if (sent.length > 0) parts.push(html`<p class="requests-sent">Requests sent: ${sent.join(', ')}.</p>`);
  return parts.length > 0 ? joinHtml(parts, '\n') : undefined;
}

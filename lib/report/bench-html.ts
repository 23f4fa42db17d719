import {
  halvesCell,
  hasL4Path,
  meshedPathLabel,
  modesOf,
  modeTableHeader,
  proxyTableHeader,
  repetitionSpreadCell,
} from '../bench/bench-markdown.ts';
import type { BenchReport, LatencyFigures, ModeResult, RatePoint, SelfCheck } from '../bench/bench-report.ts';
import type { AvgMax } from '../bench/proc-stats.ts';
import { htmlPage, reportStyles } from './html-styles.ts';
import { type Html, html, joinHtml, trustedHtml } from './html-template.ts';
import { formatNumber, formatPercent, formatSigned, formatTimestamp } from './html-text.ts';
import { type RateInvalid, type RateSeries, renderRateBarChart, renderRateLineChart } from './svg-charts.ts';

/**
 * The sidecar-overhead benchmark as HTML (pure): {@link renderBenchSection} is the section that
 * bench.html shows and report.html embeds when given a benchmark; {@link renderBenchHtml} is
 * bench.html itself. Same figures as bench.md, from the same report object; a point whose
 * windows lacked headroom carries no latency here either: it is drawn and listed as invalid.
 */

/** Series colours: a mode is a hue (baseline blue, meshed orange, ambient's L4-only path green), a percentile a line style. */
const modeColours = { baseline: '#0b5cad', meshed: '#b35900', 'meshed-l4': '#2b7a3b' } as const;
/** Added latency per percentile: light to dark as the percentile rises. */
const percentileColours = { p50: '#f5a55c', p90: '#d9480f', p99: '#7a2a04' } as const;

const ms = (value: number) => value.toFixed(3);
const whole = (value: number) => Math.round(value).toLocaleString('en-US');
const orDash = <T>(value: T | null | undefined, format: (v: T) => string) =>
  value === null || value === undefined ? '–' : format(value);

const statusBadge: Readonly<Record<SelfCheck['status'], Html>> = {
  passed: html`<span class="badge badge-PASSED">✓ passed</span>`,
  failed: html`<span class="badge badge-FAILED">✗ failed</span>`,
  'not-run': html`<span class="badge badge-SKIPPED">– not run</span>`,
};

/** A table cell holding a number: right-aligned, tabular figures. */
const num = (content: string, label: string) => html`<td class="num" data-label="${label}">${content}</td>`;

/** A table under its caption; the header cells of the columns not in `textColumns` are right-aligned like their numbers. */
function table(
  className: string,
  caption: string,
  header: readonly string[],
  rows: readonly Html[],
  textColumns: readonly number[] = [],
): Html {
  const head = header.map(
    (h, i) => html`<th scope="col"${textColumns.includes(i) ? html`` : html` class="num"`}>${h}</th>`,
  );
  return html`<div class="table-scroll"><table class="${className}"><caption>${caption}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function renderSelfChecks(report: BenchReport): Html {
  const rows = report.selfChecks.map(
    (check) =>
      html`<tr class="self-check self-check-${check.status}" data-check="${check.name}"><th scope="row">${check.name}</th><td data-label="status">${statusBadge[check.status]}</td><td data-label="want">${check.want}</td><td data-label="got"${check.status === 'failed' ? html` class="got-bad"` : html``}>${check.got}</td></tr>`,
  );
  return table(
    'self-checks',
    'Checks on the method itself: what each wanted and what it got.',
    ['self-check', 'status', 'want', 'got'],
    rows,
    [0, 1, 2, 3],
  );
}

/** Why a mode at a rate has no latency, from the point's problems ("meshed, repetition 2: …"). */
function modeProblems(point: RatePoint, mode: ModeResult): string {
  const own = point.problems.filter((p) => p.startsWith(`${mode.mode}, `));
  return own.length > 0 ? own.join('; ') : 'not measured';
}

/** The modes of a point that carry no latency, as the line chart's invalid column. */
function invalidModes(point: RatePoint): RateInvalid | null {
  const modes = modesOf(point).filter((m) => m.latenciesMs === null);
  if (modes.length === 0) return null;
  return {
    label: `${modes.map((m) => m.mode).join(' and ')} invalid`,
    detail: modes.map((m) => `${m.mode} invalid (${modeProblems(point, m)})`).join('; '),
  };
}

function renderLatencyChart(report: BenchReport): Html {
  const rates = report.results.map((p) => p.targetRps);
  const resultOf = (p: RatePoint, mode: keyof typeof modeColours) =>
    mode === 'meshed-l4' ? p.meshedL4?.result : p[mode];
  const series = (mode: keyof typeof modeColours, percentile: 'p50' | 'p99'): RateSeries => ({
    key: `${mode}-${percentile}`,
    label: `${mode === 'baseline' ? mode : meshedPathLabel(report, mode)} ${percentile}`,
    colour: modeColours[mode],
    dashed: percentile === 'p99',
    marker: mode === 'baseline' ? 'circle' : 'square',
    hollow: percentile === 'p99',
    values: report.results.map((p) => resultOf(p, mode)?.latenciesMs?.[percentile] ?? null),
  });
  const svg = renderRateLineChart({
    title: `Latency against arrival rate: p50 and p99 of the baseline (no mesh) and the meshed path, ${report.environment.mesh} mesh (${report.environment.proxy.name} ${report.environment.proxy.version}); invalid points are not plotted`,
    rates,
    series: [
      series('baseline', 'p50'),
      series('baseline', 'p99'),
      series('meshed', 'p50'),
      series('meshed', 'p99'),
      ...(hasL4Path(report) ? [series('meshed-l4', 'p50'), series('meshed-l4', 'p99')] : []),
    ],
    invalid: report.results.map(invalidModes),
    scale: 'auto',
    unit: 'ms',
    quantity: 'latency',
  });
  return html`<figure class="chart-figure" id="bench-latency-chart">${svg}<figcaption>Latency from the intended send time, pooled over ${report.testConfig.repetitions} repetition(s) of ${formatNumber(report.testConfig.durationSeconds, 1)} s per mode and rate. Solid lines p50, dashed p99; a rate whose windows lacked headroom is shaded and carries no latency.</figcaption></figure>`;
}

function renderAddedChart(report: BenchReport): Html {
  const percentiles = ['p50', 'p90', 'p99'] as const;
  const svg = renderRateBarChart({
    title:
      'Latency the mesh adds (meshed − baseline) at p50, p90 and p99 per arrival rate, with the range of single repetitions; invalid points have no bars',
    rates: report.results.map((p) => p.targetRps),
    series: percentiles.map((percentile) => ({
      key: `added-${percentile}`,
      label: `added ${percentile}`,
      colour: percentileColours[percentile],
      values: report.results.map((p) => p.addedLatencyMs?.[percentile] ?? null),
      ranges: report.results.map((p) => p.addedLatencySpreadMs?.[percentile] ?? null),
    })),
    invalid: report.results.map((p) =>
      p.valid ? null : { label: 'invalid', detail: p.problems.join('; ') || 'not measured' },
    ),
    unit: 'ms',
    quantity: 'added latency',
    rangeLabel: 'range of single repetitions',
  });
  return html`<figure class="chart-figure" id="bench-added-chart">${svg}<figcaption>Each bar is the pooled meshed figure minus the pooled baseline figure at the same rate; the whisker spans the differences of single back-to-back repetition pairs.</figcaption></figure>`;
}

function renderAddedTable(
  report: BenchReport,
  pick: (p: RatePoint) => Pick<RatePoint, 'addedLatencyMs' | 'addedLatencySpreadMs'> | undefined = (p) => p,
  id = 'bench-added',
  caption = 'Added latency, meshed − baseline (ms).',
): Html {
  const header = ['rate (rps)', 'p50', 'p90', 'p99', 'p99.9', 'max', 'p50 range', 'p90 range'];
  const rows = report.results.map((p) => {
    const rate = html`<th scope="row" class="num">${p.targetRps}</th>`;
    const added = pick(p);
    if (!added?.addedLatencyMs) {
      return html`<tr class="invalid" data-rate="${p.targetRps}">${rate}<td colspan="7" class="invalid-note">invalid: ${p.problems.join('; ') || 'not measured'}</td></tr>`;
    }
    const a = added.addedLatencyMs;
    const range = (key: 'p50' | 'p90') => {
      const r = added.addedLatencySpreadMs?.[key];
      return r ? `${formatSigned(r.min)} … ${formatSigned(r.max)}` : '–';
    };
    return html`<tr data-rate="${p.targetRps}">${rate}${[
      num(formatSigned(a.p50), 'p50'),
      num(formatSigned(a.p90), 'p90'),
      num(formatSigned(a.p99), 'p99'),
      num(formatSigned(a.p999), 'p99.9'),
      num(formatSigned(a.max), 'max'),
      num(range('p50'), 'p50 range'),
      num(range('p90'), 'p90 range'),
    ]}</tr>`;
  });
  return table(id, caption, header, rows);
}

function avgMaxCells(value: AvgMax | null, labels: readonly [string, string]): Html {
  return value
    ? html`${num(value.avg.toFixed(1), labels[0])}${num(value.max.toFixed(1), labels[1])}`
    : html`${num('–', labels[0])}${num('–', labels[1])}`;
}

function renderProxies(report: BenchReport): Html {
  const ambient = hasL4Path(report);
  const header = proxyTableHeader(ambient, 'RSS');
  const rows = report.results.flatMap((p) =>
    p.proxies.map((proxy) => {
      const path = ambient ? html`<td data-label="path">${meshedPathLabel(report, proxy.mode)}</td>` : '';
      const published = (pick: (f: NonNullable<typeof proxy.published>) => number, label: string) =>
        ambient
          ? num(
              orDash(proxy.published, (f) => String(pick(f))),
              label,
            )
          : '';
      return html`<tr data-rate="${p.targetRps}"><th scope="row" class="num">${p.targetRps}</th>${path}<td data-label="proxy">${proxy.name} <span class="muted">(${proxy.role})</span></td>${avgMaxCells(proxy.cpuMillicores, ['CPU avg', 'CPU max'])}${num(
        orDash(proxy.cpuMillicoresPer1000Rps, (v) => v.toFixed(1)),
        'CPU per 1000 rps',
      )}${published((f) => f.cpuMillicoresPer1000Rps, 'published CPU per 1000 rps')}${avgMaxCells(proxy.memoryMiB, ['RSS avg', 'RSS max'])}${published((f) => f.memoryMB, 'published memory (MB)')}</tr>`;
    }),
  );
  return table(
    'bench-proxies',
    ambient
      ? "CPU and memory of the proxies on each meshed path, over that path's windows of each rate, next to Istio's published figures."
      : 'CPU and memory of the proxies on the meshed path, over the meshed windows of each rate.',
    header,
    rows,
    ambient ? [1, 2] : [1],
  );
}

function latencyCells(figures: LatencyFigures): Html {
  const labels = ['min', 'avg', 'p50', 'p90', 'p99', 'p99.9', 'max'] as const;
  const values = [figures.min, figures.avg, figures.p50, figures.p90, figures.p99, figures.p999, figures.max];
  return html`${values.map((v, i) => num(ms(v), labels[i] ?? ''))}`;
}

function modeRow(point: RatePoint, mode: ModeResult): Html {
  const counts = [
    num(mode.actualRps.toFixed(1), 'achieved rps'),
    num(whole(mode.requests), 'requests'),
    num(whole(mode.errors), 'errors'),
    num(whole(mode.dropped), 'dropped'),
    num(orDash(mode.late, whole), 'late'),
  ];
  const head = html`<th scope="row" class="num">${point.targetRps}</th><td data-label="mode">${mode.mode}</td>${counts}`;
  if (!mode.latenciesMs) {
    return html`<tr class="invalid" data-rate="${point.targetRps}" data-mode="${mode.mode}">${head}<td colspan="9" class="invalid-note">invalid: ${modeProblems(point, mode)}</td></tr>`;
  }
  const spreads = (
    [
      ['p50 across repetitions', repetitionSpreadCell(mode)],
      ['p50 odd / even slices', halvesCell(mode)],
    ] as const
  ).map(([label, cell]) => html`<td class="num spread" data-label="${label}">${cell}</td>`);
  return html`<tr data-rate="${point.targetRps}" data-mode="${mode.mode}">${head}${latencyCells(mode.latenciesMs)}${spreads}</tr>`;
}

function renderModes(report: BenchReport): Html {
  const header = [...modeTableHeader];
  return table(
    'bench-modes',
    'Latency by mode (ms, from the intended send time), pooled over the repetitions.',
    header,
    report.results.flatMap((p) => modesOf(p).map((m) => modeRow(p, m))),
    [1],
  );
}

function renderMethod(report: BenchReport): Html {
  const config = report.testConfig;
  const items = [
    html`<li><strong>baseline:</strong> ${report.paths.baseline}</li>`,
    html`<li><strong>meshed${hasL4Path(report) ? ' (ztunnel + waypoint, L7)' : ''}:</strong> ${report.paths.meshed}</li>`,
    ...(report.paths['meshed-l4'] !== undefined
      ? [html`<li><strong>meshed-l4 (ztunnel only, L4):</strong> ${report.paths['meshed-l4']}</li>`]
      : []),
    html`<li><strong>load:</strong> ${`${config.loadGenerator}; ${config.connections} keep-alive connections; ${config.payloadBytes} B response payload; warm-up ${formatNumber(config.warmupSeconds, 1)} s per window; ${config.order}.`}</li>`,
  ];
  const c = report.calibration;
  items.push(
    c
      ? html`<li><strong>calibration:</strong> ${`a known ${c.delayMs} ms delay at ${c.rateRps} rps was measured as ${formatSigned(c.measuredMs)} ms at p50 (tolerance ±${c.toleranceMs} ms; per repetition ${c.perRepetitionMs.map((v) => formatSigned(v)).join(', ')} ms): ${c.passed ? 'passed' : 'FAILED'}.`}</li>`
      : html`<li><strong>calibration:</strong> not run (add <code>--calibrate</code>).</li>`,
  );
  const capacity = report.driverCapacity;
  if (capacity) {
    const wrk =
      'requestsPerSecond' in capacity.wrk
        ? `wrk ${capacity.wrk.version}: ${whole(capacity.wrk.requestsPerSecond)} requests/s; ratio ${orDash(capacity.ratio, (r) => r.toFixed(2))}`
        : `wrk: ${capacity.wrk.unavailable}`;
    const top = Math.max(...config.rates);
    items.push(
      html`<li><strong>driver capacity:</strong> ${`closed loop against ${capacity.target}: ${whole(capacity.driver.requestsPerSecond)} requests/s (${wrk}); the sweep's highest rate is ${formatPercent(top / capacity.driver.requestsPerSecond)} of it.`}</li>`,
    );
  }
  items.push(...report.notes.map((note) => html`<li>${note}</li>`));
  const references = report.referenceNumbers.map((r) => html`<li>${r}</li>`);
  return html`<details class="bench-method"><summary>Method, calibration and driver capacity</summary><ul>${items}</ul><p>Published figures to compare with:</p><ul>${references}</ul></details>`;
}

/**
 * The benchmark as one HTML section: verdict and run facts, the self-checks, latency against
 * rate (baseline and meshed p50 and p99), the added latency per percentile and rate, the
 * proxies' CPU and memory, latency by mode, and the method (pure).
 */
export function renderBenchSection(report: BenchReport): Html {
  const env = report.environment;
  const verdict = report.passed
    ? html`<span class="badge badge-PASSED">✓ self-checks passed</span> the figures are measurements as far as the method can tell.`
    : html`<span class="badge badge-FAILED">✗ a self-check failed</span> read the figures with that in mind; invalid points carry no latency.`;
  const facts = [
    html`run <code>${report.runId}</code>`,
    formatTimestamp(report.startedAt),
    `${env.cores} cores (${env.cpuModel})`,
    `load average at start ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}`,
    `meshproof ${env.harnessVersion}, Node ${env.node}`,
  ];
  const otherLoad = report.otherLoadMillicores
    ? html`<p class="muted">Other processes on this machine used on average ${formatNumber(report.otherLoadMillicores.avg, 0)} millicores (at most ${formatNumber(report.otherLoadMillicores.max, 0)}) of the ${env.cores * 1000} during the windows: the more, the noisier the figures.</p>`
    : '';
  return html`<section id="bench" class="bench" aria-labelledby="bench-title" data-passed="${String(report.passed)}">
<h2 id="bench-title">${hasL4Path(report) ? 'Ambient data-plane overhead (ztunnel, waypoint)' : 'Sidecar overhead'}: ${env.mesh} mesh (${env.proxy.name} ${env.proxy.version}) on ${env.platform}</h2>
<p class="bench-facts muted">${joinHtml(facts, ' · ')}</p>
<p class="bench-verdict">${verdict}</p>
${otherLoad}
<h3 id="bench-self-checks">Self-checks</h3>
${renderSelfChecks(report)}
<h3 id="bench-latency">Latency against rate</h3>
${renderLatencyChart(report)}
<h3 id="bench-added">Added latency (meshed − baseline)</h3>
${renderAddedChart(report)}
${renderAddedTable(report)}${
  hasL4Path(report)
    ? html`
<h3 id="bench-added-l4">Added latency (ztunnel only (L4) − baseline)</h3>
${renderAddedTable(report, (p) => p.meshedL4, 'bench-added-l4', 'Added latency, ztunnel only (L4) − baseline (ms).')}`
    : ''
}
<h3 id="bench-proxies">Proxies on the meshed path${hasL4Path(report) ? 's' : ''}</h3>
${renderProxies(report)}
<h3 id="bench-modes">Latency by mode</h3>
${renderModes(report)}
${renderMethod(report)}
</section>`;
}

/** Styles of the bench section, added to the report's when the section is on a page. */
export const benchStyles = trustedHtml(`
.bench h3{margin:1.25rem 0 .4rem}
.bench-facts{font-size:.88rem;margin:.25rem 0}
.bench-verdict{margin:.5rem 0}
.bench table{margin:.25rem 0 .75rem}
.bench caption{caption-side:top;text-align:left;font-size:.85rem;color:var(--muted);padding:0 0 .25rem}
.bench .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bench thead .num{white-space:normal}
.bench tr.invalid td,.bench tr.invalid th{background:#fff5f5}
.bench .invalid-note{color:var(--fail);font-weight:600;white-space:normal;min-width:16rem}
.bench .self-checks td{min-width:9rem}
.bench .self-checks th[scope="row"]{white-space:nowrap}
.bench .chart-figure{margin:.5rem 0 1rem;break-inside:avoid}
.bench .rate-chart{width:100%;max-width:860px}
.bench .spread{white-space:normal;min-width:6.5rem}
.bench .bench-modes{font-size:.84rem}.bench .bench-modes th,.bench .bench-modes td{padding:.3rem .35rem}
.bench-method ul{margin:.25rem 0;padding-left:1.2rem}
@media (max-width:640px){.bench .chart-figure{overflow-x:auto}.bench .rate-chart{min-width:560px}.bench .self-checks thead{display:none}.bench .self-checks tr,.bench .self-checks th,.bench .self-checks td{display:block;border:0;padding:.1rem .3rem;min-width:0}.bench .self-checks tr{border-bottom:1px solid var(--line);padding:.35rem 0}.bench .self-checks td::before{content:attr(data-label) ": ";color:var(--muted)}}
@media print{.bench .table-scroll{overflow:visible}.bench table{font-size:8.5pt}.bench-method[open] summary,.bench-method summary{break-after:avoid}}
`);

/**
 * bench.html: the benchmark as one self-contained page, in report.html's style (inline CSS and
 * SVG, no script, a Content-Security-Policy that forbids every request), to open from disk or
 * attach to a CI run (pure).
 */
export function renderBenchHtml(report: BenchReport): string {
  const env = report.environment;
  const verdict = report.passed ? 'PASSED' : 'FAILED';
  return htmlPage({
    harnessVersion: env.harnessVersion,
    title: `meshproof bench ${report.passed ? 'passed' : 'self-check failed'}: ${env.mesh} (${env.proxy.name} ${env.proxy.version}) on ${env.platform}`,
    styles: html`${reportStyles}${benchStyles}`,
    main: html`<header class="report-header">
<div class="title"><h1>meshproof sidecar-overhead benchmark</h1><span class="verdict verdict-${verdict}" data-verdict="${verdict}">${report.passed ? 'SELF-CHECKS PASSED' : 'SELF-CHECK FAILED'}</span></div>
</header>
${renderBenchSection(report)}
<footer>Written by meshproof ${env.harnessVersion} from the same data as bench.json and bench.md (${report.apiVersion} ${report.kind}, ${report.results.length} rates, ${report.testConfig.repetitions} repetition(s)).</footer>`,
  });
}

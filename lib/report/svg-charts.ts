import type { CategoryVerdict } from '../stats/equivalence.ts';
import { type Html, html } from './html-template.ts';
import { formatNumber, formatPercent, formatSigned } from './html-text.ts';

/**
 * Inline SVG charts for the HTML report (pure). Colours are presentation attributes, not page
 * CSS, so a chart reads the same when copied out of the page; the viewBox lets it shrink to a
 * narrow window.
 */

const colours = {
  text: '#1f2328',
  muted: '#59636e',
  grid: '#d8dee4',
  band: '#cfe8d4',
  bandEdge: '#7fb58a',
  target: '#1a5d2b',
  inBand: '#1f7a3a',
  outside: '#c4302b',
  undecided: '#c26a00',
  neutral: '#4b6584',
} as const;

/** One category of a ratio chart: what was wanted, what was counted, and its interval. */
export type RatioChartCategory = CategoryVerdict;

/** Input of {@link renderRatioChart}. */
export interface RatioChartInput {
  /** Absolute tolerance on each share (0.05 = ±5 points). */
  readonly tolerance: number;
  /** Confidence level of the intervals, as shown in the legend, e.g. "99.999%". */
  readonly confidence: string;
  readonly categories: readonly RatioChartCategory[];
}

const round = (value: number) => formatNumber(value, 1);
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

function text(x: number, y: number, content: string, attributes?: Html): Html {
  return html`<text x="${round(x)}" y="${round(y)}"${attributes ? html` ${attributes}` : html``}>${content}</text>`;
}

function svgOpen(width: number, height: number, title: string, className: string): Html {
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="chart ${className}" viewBox="0 0 ${width} ${round(height)}" width="${width}" height="${round(height)}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="${colours.text}"><title>${title}</title>`;
}

/**
 * Per category, the tolerance band (target ± tolerance) as a shaded box, the target as a line,
 * the confidence interval as a bar (green inside the band, red entirely outside it, amber
 * undecided) and the observed share as a dot; counts and shares are written on the right.
 */
export function renderRatioChart(input: RatioChartInput): Html {
  const width = 680;
  const labelWidth = 76;
  const valueWidth = 176;
  const plotLeft = labelWidth;
  const plotWidth = width - labelWidth - valueWidth - 8;
  const top = 24;
  const rowHeight = 40;
  const legendHeight = 34;
  const rows = input.categories.length;
  const height = top + rows * rowHeight + legendHeight;
  const x = (share: number) => plotLeft + clamp01(share) * plotWidth;
  const points = formatNumber(input.tolerance * 100, 2);
  const title = `Observed share per category with its ${input.confidence} confidence interval against the tolerance band (target ± ${points} points)`;

  const parts: Html[] = [svgOpen(width, height, title, 'ratio-chart')];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      html`<line x1="${round(x(tick))}" x2="${round(x(tick))}" y1="${top - 4}" y2="${top + rows * rowHeight}" stroke="${colours.grid}" stroke-width="1"/>`,
      text(
        x(tick),
        top - 9,
        `${tick * 100}%`,
        html`text-anchor="middle" fill="${colours.muted}" font-size="11"`,
      ),
    );
  }
  input.categories.forEach((category, index) => {
    const middle = top + index * rowHeight + rowHeight / 2;
    const bandFrom = x(category.target - input.tolerance);
    const bandTo = x(category.target + input.tolerance);
    const state = category.inBand ? 'in band' : category.disjoint ? 'outside band' : 'undecided';
    const fill = category.inBand ? colours.inBand : category.disjoint ? colours.outside : colours.undecided;
    const ciFrom = x(category.lower);
    const ciWidth = Math.max(2, x(category.upper) - ciFrom);
    parts.push(
      html`<g class="ratio-row" data-category="${category.name}">`,
      text(plotLeft - 10, middle + 4, category.name, html`text-anchor="end" font-weight="600"`),
      html`<rect class="tolerance-band" x="${round(bandFrom)}" y="${round(middle - 13)}" width="${round(bandTo - bandFrom)}" height="26" fill="${colours.band}" stroke="${colours.bandEdge}" stroke-width="1"/>`,
      html`<line class="target" x1="${round(x(category.target))}" x2="${round(x(category.target))}" y1="${round(middle - 15)}" y2="${round(middle + 15)}" stroke="${colours.target}" stroke-width="2" stroke-dasharray="4 2"/>`,
      html`<rect class="interval" x="${round(ciFrom)}" y="${round(middle - 4)}" width="${round(ciWidth)}" height="8" rx="2" fill="${fill}"><title>${`${category.name}: interval ${formatPercent(category.lower)}–${formatPercent(category.upper)}, ${state}`}</title></rect>`,
    );
    if (category.observed !== null) {
      parts.push(
        html`<circle class="observed" cx="${round(x(category.observed))}" cy="${round(middle)}" r="5" fill="${colours.text}" stroke="#ffffff" stroke-width="1.5"/>`,
      );
    }
    const observed = category.observed === null ? 'no requests' : formatPercent(category.observed);
    parts.push(
      text(
        plotLeft + plotWidth + 14,
        middle - 3,
        `${observed} of ${category.count} req`,
        html`font-weight="600"`,
      ),
      text(
        plotLeft + plotWidth + 14,
        middle + 12,
        `want ${formatPercent(category.target)} · ${state}`,
        html`fill="${category.inBand ? colours.muted : fill}" font-size="11"`,
      ),
      html`</g>`,
    );
  });
  const legendY = top + rows * rowHeight + 22;
  parts.push(
    html`<g class="legend" font-size="11" fill="${colours.muted}">`,
    html`<rect x="${plotLeft}" y="${legendY - 9}" width="18" height="11" fill="${colours.band}" stroke="${colours.bandEdge}"/>`,
    text(plotLeft + 23, legendY, `tolerance (target ± ${points} pts)`),
    html`<line x1="${plotLeft + 196}" x2="${plotLeft + 196}" y1="${legendY - 10}" y2="${legendY + 2}" stroke="${colours.target}" stroke-width="2" stroke-dasharray="4 2"/>`,
    text(plotLeft + 203, legendY, 'target'),
    html`<rect x="${plotLeft + 250}" y="${legendY - 7}" width="22" height="7" rx="2" fill="${colours.neutral}"/>`,
    text(plotLeft + 277, legendY, `${input.confidence} interval`),
    html`<circle cx="${plotLeft + 392}" cy="${legendY - 4}" r="4.5" fill="${colours.text}"/>`,
    text(plotLeft + 401, legendY, 'observed'),
    html`</g>`,
    html`</svg>`,
  );
  return html`${parts}`;
}

/** One bar of a latency histogram: requests whose latency fell in [fromMs, toMs). */
export interface LatencyBin {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

/** Input of {@link renderLatencyChart}. */
export interface LatencyChartInput {
  /** Contiguous bins from 0 to the end of the axis. */
  readonly bins: readonly LatencyBin[];
  /** The latency band the check expected, shaded; bars inside it are green, outside red. */
  readonly band?: { readonly fromMs: number; readonly toMs: number };
  /** Vertical markers, e.g. p50 and p99. */
  readonly markers?: readonly { readonly label: string; readonly ms: number }[];
  readonly title: string;
}

/** A "nice" tick step (1, 2, 2.5 or 5 × 10^k) giving about `ticks` ticks over `range`. */
export function niceStep(range: number, ticks = 6): number {
  if (!(range > 0)) return 1;
  const rough = range / ticks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10;
  return step * power;
}

/**
 * A latency histogram: bars of request counts per latency bin, the expected band shaded, and
 * optional percentile markers.
 */
export function renderLatencyChart(input: LatencyChartInput): Html {
  const width = 640;
  const height = 232;
  const left = 44;
  const right = 16;
  const top = 30;
  const baseline = 178;
  const end = input.bins.at(-1)?.toMs ?? 1;
  const plotWidth = width - left - right;
  const x = (ms: number) => left + (Math.min(Math.max(ms, 0), end) / end) * plotWidth;
  const maxCount = Math.max(1, ...input.bins.map((b) => b.count));
  const y = (count: number) => baseline - (count / maxCount) * (baseline - top);

  const parts: Html[] = [svgOpen(width, height, input.title, 'latency-chart')];
  if (input.band) {
    const from = x(input.band.fromMs);
    const to = x(input.band.toMs);
    parts.push(
      html`<rect class="latency-band" x="${round(from)}" y="${top - 14}" width="${round(Math.max(2, to - from))}" height="${round(baseline - top + 14)}" fill="${colours.band}" stroke="${colours.bandEdge}" stroke-width="1"/>`,
      text(
        (from + to) / 2,
        top - 3,
        `expected ${formatNumber(input.band.fromMs, 0)}–${formatNumber(input.band.toMs, 0)} ms`,
        html`text-anchor="middle" font-size="11" fill="${colours.target}"`,
      ),
    );
  }
  const step = niceStep(end);
  for (let tick = 0; tick <= end + 1e-9; tick += step) {
    parts.push(
      html`<line x1="${round(x(tick))}" x2="${round(x(tick))}" y1="${baseline}" y2="${baseline + 5}" stroke="${colours.muted}"/>`,
      text(
        x(tick),
        baseline + 18,
        formatNumber(tick, 1),
        html`text-anchor="middle" font-size="11" fill="${colours.muted}"`,
      ),
    );
  }
  parts.push(
    html`<line x1="${left}" x2="${width - right}" y1="${baseline}" y2="${baseline}" stroke="${colours.muted}"/>`,
    text(left - 6, top + 4, String(maxCount), html`text-anchor="end" font-size="11" fill="${colours.muted}"`),
    text(left - 6, baseline, '0', html`text-anchor="end" font-size="11" fill="${colours.muted}"`),
    text(4, top - 16, 'requests', html`font-size="11" fill="${colours.muted}"`),
    text(
      (left + width - right) / 2,
      height - 8,
      'latency (ms)',
      html`text-anchor="middle" font-size="11" fill="${colours.muted}"`,
    ),
  );
  for (const bin of input.bins) {
    if (bin.count === 0) continue;
    const middle = (bin.fromMs + bin.toMs) / 2;
    const inside = input.band ? middle >= input.band.fromMs && middle <= input.band.toMs : undefined;
    const fill = inside === undefined ? colours.neutral : inside ? colours.inBand : colours.outside;
    const barLeft = x(bin.fromMs) + 0.5;
    const barWidth = Math.max(1.5, x(bin.toMs) - x(bin.fromMs) - 1);
    parts.push(
      html`<rect class="bar" x="${round(barLeft)}" y="${round(y(bin.count))}" width="${round(barWidth)}" height="${round(baseline - y(bin.count))}" fill="${fill}"><title>${`${bin.count} request(s) at ${formatNumber(bin.fromMs, 0)}–${formatNumber(bin.toMs, 0)} ms`}</title></rect>`,
    );
  }
  (input.markers ?? []).forEach((marker, index) => {
    const at = x(marker.ms);
    // Alternate label heights so close percentiles stay legible.
    const labelY = top + 12 + (index % 3) * 14;
    // Labels point into the chart, away from the nearer edge, haloed to stay legible over bars.
    const anchor = at > left + plotWidth / 2 ? 'end' : 'start';
    parts.push(
      html`<line class="marker" x1="${round(at)}" x2="${round(at)}" y1="${top}" y2="${baseline}" stroke="${colours.text}" stroke-width="1" stroke-dasharray="2 3"/>`,
      text(
        anchor === 'start' ? at + 4 : at - 4,
        labelY,
        `${marker.label} ${formatNumber(marker.ms, 0)} ms`,
        html`text-anchor="${anchor}" font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke"`,
      ),
    );
  });
  parts.push(html`</svg>`);
  return html`${parts}`;
}

/** Why a rate of a rate chart has no figure to plot: drawn as a shaded "invalid" column. */
export interface RateInvalid {
  /** Short words over the column, e.g. "meshed invalid" ("invalid" where the column is narrow). */
  readonly label: string;
  /** The reasons, as the column's tooltip. */
  readonly detail: string;
}

/** One line of {@link renderRateLineChart}: a value per rate, null where there is none to plot. */
export interface RateSeries {
  /** Names the series in the markup (`data-series`), e.g. "meshed-p99". */
  readonly key: string;
  readonly label: string;
  readonly colour: string;
  readonly dashed: boolean;
  readonly marker: 'circle' | 'square';
  /** An outlined marker rather than a filled one. */
  readonly hollow: boolean;
  readonly values: readonly (number | null)[];
}

/** Input of {@link renderRateLineChart}. */
export interface RateLineChartInput {
  readonly title: string;
  /** The x axis: one evenly spaced column per rate, in this order. */
  readonly rates: readonly number[];
  readonly series: readonly RateSeries[];
  /** Per rate: null where nothing is missing, else why some series have no value there. */
  readonly invalid: readonly (RateInvalid | null)[];
  /** `auto`: logarithmic when the values span a factor of 10 or more, else linear from 0. */
  readonly scale: 'auto' | 'log' | 'linear';
  /** Unit of the values, in the axis label and tooltips, e.g. "ms". */
  readonly unit: string;
  /** What the values are, for the y axis label, e.g. "latency". */
  readonly quantity: string;
}

/** One bar per rate of {@link renderRateBarChart}, e.g. the added p50. */
export interface RateBarSeries {
  readonly key: string;
  readonly label: string;
  readonly colour: string;
  readonly values: readonly (number | null)[];
  /** Per rate, the lowest and highest value of single repetitions, drawn as a whisker. */
  readonly ranges?: readonly ({ readonly min: number; readonly max: number } | null)[];
}

/** Input of {@link renderRateBarChart}. */
export interface RateBarChartInput {
  readonly title: string;
  readonly rates: readonly number[];
  readonly series: readonly RateBarSeries[];
  readonly invalid: readonly (RateInvalid | null)[];
  readonly unit: string;
  readonly quantity: string;
  /** Legend words for the whiskers, e.g. "range of single repetitions". */
  readonly rangeLabel: string;
}

/** Roughly how wide a label is drawn at 11 px (for laying out legends, not for exactness). */
const labelWidth11 = (label: string) => label.length * 6.2;

/** The largest 1, 2 or 5 × 10^k not above `value` (> 0). */
function niceFloor(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [5, 2, 1].map((m) => m * power).find((tick) => tick <= value * (1 + 1e-9)) ?? power;
}

/** The smallest 1, 2 or 5 × 10^k not below `value` (> 0). */
function niceCeil(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((tick) => tick >= value * (1 - 1e-9)) ?? 10 * power;
}

/** Ticks of a logarithmic axis covering [min, max] (both > 0): 1, 2 and 5 × 10^k, ends included. */
export function logTicks(min: number, max: number): number[] {
  const from = niceFloor(min);
  const to = niceCeil(max);
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(from)); 10 ** power <= to * (1 + 1e-9); power++) {
    for (const m of [1, 2, 5]) {
      // Computed from the integer exponent so 0.2 is 0.2, not 0.20000000000000004.
      const tick = Number((m * 10 ** power).toPrecision(12));
      if (tick >= from * (1 - 1e-9) && tick <= to * (1 + 1e-9)) ticks.push(tick);
    }
  }
  return ticks;
}

interface ValueAxis {
  readonly y: (value: number) => number;
  readonly ticks: readonly number[];
  readonly log: boolean;
}

function linearAxis(values: readonly number[], top: number, bottom: number): ValueAxis {
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const step = niceStep(high - low || 1, 5);
  const from = Math.floor(low / step - 1e-9) * step;
  const to = Math.max(from + step, Math.ceil(high / step - 1e-9) * step);
  const ticks: number[] = [];
  for (let i = 0; from + i * step <= to + step * 1e-6; i++)
    ticks.push(Number((from + i * step).toPrecision(12)));
  return { y: (value) => bottom - ((value - from) / (to - from)) * (bottom - top), ticks, log: false };
}

function logAxis(values: readonly number[], top: number, bottom: number): ValueAxis {
  const ticks = logTicks(Math.min(...values), Math.max(...values));
  const from = Math.log10(ticks[0] ?? 1);
  const to = Math.log10(ticks.at(-1) ?? 10);
  return {
    y: (value) => bottom - ((Math.log10(value) - from) / (to - from || 1)) * (bottom - top),
    ticks,
    log: true,
  };
}

/** A legend laid out in rows across the chart's width; each entry is a swatch and its label. */
function legendRows(
  entries: readonly { readonly swatch: (x: number, y: number) => Html; readonly label: string }[],
  left: number,
  right: number,
  firstY: number,
): { markup: Html; bottom: number } {
  const parts: Html[] = [html`<g class="legend" font-size="11" fill="${colours.text}">`];
  let x = left;
  let y = firstY;
  for (const entry of entries) {
    const width = 30 + labelWidth11(entry.label) + 18;
    if (x > left && x + width > right) {
      x = left;
      y += 18;
    }
    parts.push(entry.swatch(x, y - 4), text(x + 30, y, entry.label));
    x += width;
  }
  parts.push(html`</g>`);
  return { markup: html`${parts}`, bottom: y };
}

/** The shared frame of the rate charts: columns per rate, value axis, axis labels, invalid columns. */
function rateFrame(input: {
  readonly rates: readonly number[];
  readonly invalid: readonly (RateInvalid | null)[];
  readonly axis: ValueAxis;
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  readonly height: number;
  readonly yLabel: string;
  readonly format: (tick: number) => string;
}): { readonly before: Html; readonly after: Html; readonly column: (index: number) => number } {
  const { rates, axis, top, bottom, left, right } = input;
  const slot = (right - left) / Math.max(1, rates.length);
  const column = (index: number) => left + (index + 0.5) * slot;
  const before: Html[] = [];
  for (const tick of axis.ticks) {
    const y = axis.y(tick);
    before.push(
      html`<line x1="${left}" x2="${right}" y1="${round(y)}" y2="${round(y)}" stroke="${colours.grid}" stroke-width="1"${tick === 0 && !axis.log ? html`` : html` stroke-dasharray="2 3"`}/>`,
      text(
        left - 6,
        y + 4,
        input.format(tick),
        html`text-anchor="end" font-size="11" fill="${colours.muted}"`,
      ),
    );
  }
  input.invalid.forEach((invalid, index) => {
    if (!invalid) return;
    const label = labelWidth11(invalid.label) > slot - 10 ? 'invalid' : invalid.label;
    before.push(
      html`<g class="invalid" data-rate="${rates[index] ?? ''}"><title>${`${rates[index]} rps: ${invalid.detail}`}</title>`,
      html`<rect x="${round(column(index) - slot / 2 + 3)}" y="${top}" width="${round(slot - 6)}" height="${bottom - top}" fill="#f6f8fa" stroke="${colours.outside}" stroke-width="1" stroke-dasharray="4 3"/>`,
      text(
        column(index),
        top + 16,
        label,
        html`text-anchor="middle" font-size="11" font-weight="600" fill="${colours.outside}"`,
      ),
      html`</g>`,
    );
  });
  const after: Html[] = [
    html`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="${colours.muted}"/>`,
    html`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="${colours.muted}"/>`,
    ...rates.map((rate, index) =>
      text(
        column(index),
        bottom + 17,
        formatNumber(rate, 1),
        html`text-anchor="middle" font-size="11" fill="${colours.muted}"`,
      ),
    ),
    text(
      (left + right) / 2,
      input.height - 8,
      'target rate (requests/s)',
      html`text-anchor="middle" font-size="11" fill="${colours.muted}"`,
    ),
    text(
      14,
      (top + bottom) / 2,
      input.yLabel,
      html`text-anchor="middle" font-size="11" fill="${colours.muted}" transform="rotate(-90 14 ${round((top + bottom) / 2)})"`,
    ),
  ];
  return { before: html`${before}`, after: html`${after}`, column };
}

function markerShape(series: RateSeries, x: number, y: number, size: number): Html {
  const fill = series.hollow ? '#ffffff' : series.colour;
  return series.marker === 'circle'
    ? html`<circle cx="${round(x)}" cy="${round(y)}" r="${size / 2}" fill="${fill}" stroke="${series.colour}" stroke-width="1.5"/>`
    : html`<rect x="${round(x - size / 2)}" y="${round(y - size / 2)}" width="${size}" height="${size}" fill="${fill}" stroke="${series.colour}" stroke-width="1.5"/>`;
}

/**
 * Values against rates as lines with markers, one column per rate. A series is broken where it
 * has no value (nothing is interpolated across an invalid point), and such a rate is a shaded
 * column labelled as invalid with the reasons as its tooltip.
 */
export function renderRateLineChart(input: RateLineChartInput): Html {
  const width = 680;
  const left = 62;
  const right = width - 16;
  const legend = legendRows(
    input.series.map((series) => ({
      label: series.label,
      swatch: (x, y) =>
        html`<line x1="${x}" x2="${x + 24}" y1="${round(y)}" y2="${round(y)}" stroke="${series.colour}" stroke-width="2"${series.dashed ? html` stroke-dasharray="5 3"` : html``}/>${markerShape(series, x + 12, y, 8)}`,
    })),
    left,
    right,
    18,
  );
  const top = legend.bottom + 22;
  const bottom = top + 210;
  const height = bottom + 44;
  const values = input.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const positive = values.filter((v) => v > 0);
  const log =
    positive.length > 0 &&
    positive.length === values.length &&
    (input.scale === 'log' ||
      (input.scale === 'auto' && Math.max(...positive) / Math.min(...positive) >= 10));
  const axis = log ? logAxis(positive, top, bottom) : linearAxis(values, top, bottom);
  const frame = rateFrame({
    rates: input.rates,
    invalid: input.invalid,
    axis,
    top,
    bottom,
    left,
    right,
    height,
    yLabel: `${input.quantity} (${input.unit}${log ? ', log scale' : ''})`,
    format: (tick) => formatNumber(tick, 3),
  });
  const parts: Html[] = [svgOpen(width, height, input.title, 'rate-chart rate-line-chart'), frame.before];
  for (const series of input.series) {
    const path: string[] = [];
    series.values.forEach((value, index) => {
      if (value === null) return;
      const joined = index > 0 && series.values[index - 1] !== null && series.values[index - 1] !== undefined;
      path.push(`${joined ? 'L' : 'M'}${round(frame.column(index))} ${round(axis.y(value))}`);
    });
    parts.push(html`<g class="series" data-series="${series.key}">`);
    if (path.length > 0) {
      parts.push(
        html`<path d="${path.join(' ')}" fill="none" stroke="${series.colour}" stroke-width="2"${series.dashed ? html` stroke-dasharray="5 3"` : html``}/>`,
      );
    }
    series.values.forEach((value, index) => {
      if (value === null) return;
      const rate = input.rates[index];
      parts.push(
        html`<g class="point" data-rate="${rate ?? ''}"><title>${`${series.label} at ${rate} rps: ${formatNumber(value, 3)} ${input.unit}`}</title>${markerShape(series, frame.column(index), axis.y(value), 9)}</g>`,
      );
    });
    parts.push(html`</g>`);
  }
  parts.push(frame.after, legend.markup, html`</svg>`);
  return html`${parts}`;
}

/**
 * Differences per rate as grouped bars, one group per rate and one bar per series, labelled with
 * their signed value, with a whisker for the range of single repetitions where given. A rate
 * without values is a shaded column labelled as invalid, with no bars.
 */
export function renderRateBarChart(input: RateBarChartInput): Html {
  const width = 680;
  const left = 62;
  const right = width - 16;
  const hasRanges = input.series.some((s) => s.ranges?.some((r) => r));
  const legend = legendRows(
    [
      ...input.series.map((series) => ({
        label: series.label,
        swatch: (x: number, y: number) =>
          html`<rect x="${x + 4}" y="${round(y - 6)}" width="16" height="12" fill="${series.colour}"/>`,
      })),
      ...(hasRanges
        ? [
            {
              label: input.rangeLabel,
              swatch: (x: number, y: number) =>
                html`<path d="M${x + 8} ${round(y - 7)}h8M${x + 12} ${round(y - 7)}v14M${x + 8} ${round(y + 7)}h8" stroke="${colours.text}" stroke-width="1.25" fill="none"/>`,
            },
          ]
        : []),
    ],
    left,
    right,
    18,
  );
  const top = legend.bottom + 30;
  const bottom = top + 200;
  const height = bottom + 44;
  const values = input.series.flatMap((s) => [
    ...s.values.filter((v): v is number => v !== null),
    ...(s.ranges ?? []).flatMap((r) => (r ? [r.min, r.max] : [])),
  ]);
  const axis = linearAxis(values, top, bottom);
  const frame = rateFrame({
    rates: input.rates,
    invalid: input.invalid,
    axis,
    top,
    bottom,
    left,
    right,
    height,
    yLabel: `${input.quantity} (${input.unit})`,
    format: (tick) => (tick === 0 ? '0' : `${tick > 0 ? '+' : '−'}${formatNumber(Math.abs(tick), 3)}`),
  });
  const slot = (right - left) / Math.max(1, input.rates.length);
  const groupWidth = Math.min(slot * 0.78, 64 * input.series.length);
  const barWidth = groupWidth / Math.max(1, input.series.length);
  const zero = axis.y(0);
  const parts: Html[] = [svgOpen(width, height, input.title, 'rate-chart rate-bar-chart'), frame.before];
  input.series.forEach((series, seriesIndex) => {
    parts.push(html`<g class="series" data-series="${series.key}">`);
    series.values.forEach((value, index) => {
      if (value === null) return;
      const rate = input.rates[index];
      const x = frame.column(index) - groupWidth / 2 + seriesIndex * barWidth;
      const y = axis.y(value);
      const range = series.ranges?.[index] ?? null;
      const rangeWords = range
        ? ` (single repetitions ${formatSigned(range.min)} to ${formatSigned(range.max)} ${input.unit})`
        : '';
      const middle = x + barWidth / 2;
      parts.push(
        html`<g class="bar" data-rate="${rate ?? ''}"><title>${`${series.label} at ${rate} rps: ${formatSigned(value)} ${input.unit}${rangeWords}`}</title>`,
        html`<rect x="${round(x + 2)}" y="${round(Math.min(y, zero))}" width="${round(barWidth - 4)}" height="${round(Math.max(1, Math.abs(zero - y)))}" fill="${series.colour}"/>`,
      );
      let labelTop = Math.min(y, zero);
      let labelBottom = Math.max(y, zero);
      if (range) {
        const high = axis.y(range.max);
        const low = axis.y(range.min);
        labelTop = Math.min(labelTop, high);
        labelBottom = Math.max(labelBottom, low);
        parts.push(
          html`<path class="range" d="M${round(middle - 4)} ${round(high)}h8M${round(middle)} ${round(high)}V${round(low)}M${round(middle - 4)} ${round(low)}h8" stroke="${colours.text}" stroke-width="1.25" fill="none"/>`,
        );
      }
      if (barWidth >= 34) {
        parts.push(
          text(
            middle,
            value >= 0 ? labelTop - 5 : labelBottom + 13,
            formatSigned(value),
            html`text-anchor="middle" font-size="10.5" stroke="#ffffff" stroke-width="3" paint-order="stroke"`,
          ),
        );
      }
      parts.push(html`</g>`);
    });
    parts.push(html`</g>`);
  });
  parts.push(
    html`<line x1="${left}" x2="${right}" y1="${round(zero)}" y2="${round(zero)}" stroke="${colours.muted}"/>`,
    frame.after,
    legend.markup,
    html`</svg>`,
  );
  return html`${parts}`;
}

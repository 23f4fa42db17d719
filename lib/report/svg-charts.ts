import type { CategoryVerdict } from '../stats/equivalence.ts';
import { escapeHtml, formatNumber, formatPercent } from './html-text.ts';

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

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${round(x)}" y="${round(y)}"${attributes ? ` ${attributes}` : ''}>${escapeHtml(content)}</text>`;
}

function svgOpen(width: number, height: number, title: string, className: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${className}" viewBox="0 0 ${width} ${round(height)}" width="${width}" height="${round(height)}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="${colours.text}"><title>${escapeHtml(title)}</title>`;
}

/**
 * Per category, the tolerance band (target ± tolerance) as a shaded box, the target as a line,
 * the confidence interval as a bar (green inside the band, red entirely outside it, amber
 * undecided) and the observed share as a dot; counts and shares are written on the right.
 */
export function renderRatioChart(input: RatioChartInput): string {
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

  const parts: string[] = [svgOpen(width, height, title, 'ratio-chart')];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${round(x(tick))}" x2="${round(x(tick))}" y1="${top - 4}" y2="${top + rows * rowHeight}" stroke="${colours.grid}" stroke-width="1"/>`,
      text(x(tick), top - 9, `${tick * 100}%`, `text-anchor="middle" fill="${colours.muted}" font-size="11"`),
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
      `<g class="ratio-row" data-category="${escapeHtml(category.name)}">`,
      text(plotLeft - 10, middle + 4, category.name, 'text-anchor="end" font-weight="600"'),
      `<rect class="tolerance-band" x="${round(bandFrom)}" y="${round(middle - 13)}" width="${round(bandTo - bandFrom)}" height="26" fill="${colours.band}" stroke="${colours.bandEdge}" stroke-width="1"/>`,
      `<line class="target" x1="${round(x(category.target))}" x2="${round(x(category.target))}" y1="${round(middle - 15)}" y2="${round(middle + 15)}" stroke="${colours.target}" stroke-width="2" stroke-dasharray="4 2"/>`,
      `<rect class="interval" x="${round(ciFrom)}" y="${round(middle - 4)}" width="${round(ciWidth)}" height="8" rx="2" fill="${fill}"><title>${escapeHtml(`${category.name}: interval ${formatPercent(category.lower)}–${formatPercent(category.upper)}, ${state}`)}</title></rect>`,
    );
    if (category.observed !== null) {
      parts.push(
        `<circle class="observed" cx="${round(x(category.observed))}" cy="${round(middle)}" r="5" fill="${colours.text}" stroke="#ffffff" stroke-width="1.5"/>`,
      );
    }
    const observed = category.observed === null ? 'no requests' : formatPercent(category.observed);
    parts.push(
      text(
        plotLeft + plotWidth + 14,
        middle - 3,
        `${observed} of ${category.count} req`,
        'font-weight="600"',
      ),
      text(
        plotLeft + plotWidth + 14,
        middle + 12,
        `want ${formatPercent(category.target)} · ${state}`,
        `fill="${category.inBand ? colours.muted : fill}" font-size="11"`,
      ),
      '</g>',
    );
  });
  const legendY = top + rows * rowHeight + 22;
  parts.push(
    `<g class="legend" font-size="11" fill="${colours.muted}">`,
    `<rect x="${plotLeft}" y="${legendY - 9}" width="18" height="11" fill="${colours.band}" stroke="${colours.bandEdge}"/>`,
    text(plotLeft + 23, legendY, `tolerance (target ± ${points} pts)`),
    `<line x1="${plotLeft + 196}" x2="${plotLeft + 196}" y1="${legendY - 10}" y2="${legendY + 2}" stroke="${colours.target}" stroke-width="2" stroke-dasharray="4 2"/>`,
    text(plotLeft + 203, legendY, 'target'),
    `<rect x="${plotLeft + 250}" y="${legendY - 7}" width="22" height="7" rx="2" fill="${colours.neutral}"/>`,
    text(plotLeft + 277, legendY, `${input.confidence} interval`),
    `<circle cx="${plotLeft + 392}" cy="${legendY - 4}" r="4.5" fill="${colours.text}"/>`,
    text(plotLeft + 401, legendY, 'observed'),
    '</g>',
    '</svg>',
  );
  return parts.join('');
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
export function renderLatencyChart(input: LatencyChartInput): string {
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

  const parts: string[] = [svgOpen(width, height, input.title, 'latency-chart')];
  if (input.band) {
    const from = x(input.band.fromMs);
    const to = x(input.band.toMs);
    parts.push(
      `<rect class="latency-band" x="${round(from)}" y="${top - 14}" width="${round(Math.max(2, to - from))}" height="${round(baseline - top + 14)}" fill="${colours.band}" stroke="${colours.bandEdge}" stroke-width="1"/>`,
      text(
        (from + to) / 2,
        top - 3,
        `expected ${formatNumber(input.band.fromMs, 0)}–${formatNumber(input.band.toMs, 0)} ms`,
        `text-anchor="middle" font-size="11" fill="${colours.target}"`,
      ),
    );
  }
  const step = niceStep(end);
  for (let tick = 0; tick <= end + 1e-9; tick += step) {
    parts.push(
      `<line x1="${round(x(tick))}" x2="${round(x(tick))}" y1="${baseline}" y2="${baseline + 5}" stroke="${colours.muted}"/>`,
      text(
        x(tick),
        baseline + 18,
        formatNumber(tick, 1),
        `text-anchor="middle" font-size="11" fill="${colours.muted}"`,
      ),
    );
  }
  parts.push(
    `<line x1="${left}" x2="${width - right}" y1="${baseline}" y2="${baseline}" stroke="${colours.muted}"/>`,
    text(left - 6, top + 4, String(maxCount), `text-anchor="end" font-size="11" fill="${colours.muted}"`),
    text(left - 6, baseline, '0', `text-anchor="end" font-size="11" fill="${colours.muted}"`),
    text(4, top - 16, 'requests', `font-size="11" fill="${colours.muted}"`),
    text(
      (left + width - right) / 2,
      height - 8,
      'latency (ms)',
      `text-anchor="middle" font-size="11" fill="${colours.muted}"`,
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
      `<rect class="bar" x="${round(barLeft)}" y="${round(y(bin.count))}" width="${round(barWidth)}" height="${round(baseline - y(bin.count))}" fill="${fill}"><title>${escapeHtml(`${bin.count} request(s) at ${formatNumber(bin.fromMs, 0)}–${formatNumber(bin.toMs, 0)} ms`)}</title></rect>`,
    );
  }
  (input.markers ?? []).forEach((marker, index) => {
    const at = x(marker.ms);
    // Alternate label heights so close percentiles stay legible.
    const labelY = top + 12 + (index % 3) * 14;
    // Labels point into the chart, away from the nearer edge, haloed to stay legible over bars.
    const anchor = at > left + plotWidth / 2 ? 'end' : 'start';
    parts.push(
      `<line class="marker" x1="${round(at)}" x2="${round(at)}" y1="${top}" y2="${baseline}" stroke="${colours.text}" stroke-width="1" stroke-dasharray="2 3"/>`,
      text(
        anchor === 'start' ? at + 4 : at - 4,
        labelY,
        `${marker.label} ${formatNumber(marker.ms, 0)} ms`,
        `text-anchor="${anchor}" font-size="11" stroke="#ffffff" stroke-width="3" paint-order="stroke"`,
      ),
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

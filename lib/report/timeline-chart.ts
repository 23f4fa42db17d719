import type { TimelineBucket, TimelineEvent } from '../model/evidence.ts';
import { type Html, html, joinHtml } from './html-template.ts';
import { formatNumber } from './html-text.ts';

/**
 * The chart of one stream of a chaos timeline (pure, inline SVG): requests per bucket of their
 * scheduled time, stacked by outcome class (2xx, each status, each way of failing without one),
 * with the chaos actions marked where they began. Colours are presentation attributes, as in
 * svg-charts.ts, so that the chart reads the same copied out of the page.
 */

const width = 640;
const height = 150;
const left = 36;
const right = 8;
const top = 26;
const bottom = 24;

/** 2xx green; failures in warm colours, in a fixed order so that a class keeps its colour across charts. */
const classColours: Readonly<Record<string, string>> = { ok: '#1f7a3a' };
const failureColours = ['#c4302b', '#c26a00', '#8250df', '#4b6584', '#9a6700', '#cf222e', '#6e7781'];

function colourOf(outcome: string, order: readonly string[]): string {
  return classColours[outcome] ?? failureColours[order.indexOf(outcome) % failureColours.length] ?? '#6e7781';
}

const round = (value: number) => formatNumber(value, 1);

/** Input of {@link renderTimelineChart}. */
export interface TimelineChartInput {
  readonly stream: string;
  readonly durationMs: number;
  readonly bucketMs: number;
  readonly buckets: readonly TimelineBucket[];
  readonly events: readonly TimelineEvent[];
}

export function renderTimelineChart(input: TimelineChartInput): Html {
  const classes = [...new Set(input.buckets.flatMap((b) => Object.keys(b.outcomes)))].sort((a, b) =>
    a === 'ok' ? -1 : b === 'ok' ? 1 : a.localeCompare(b),
  );
  const failures = classes.filter((c) => c !== 'ok');
  const most = Math.max(1, ...input.buckets.map((b) => Object.values(b.outcomes).reduce((s, n) => s + n, 0)));
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (ms: number) => left + (ms / Math.max(input.durationMs, 1)) * plotWidth;
  const barWidth = Math.max(1, (input.bucketMs / Math.max(input.durationMs, 1)) * plotWidth - 1);
  const bars = input.buckets.flatMap((bucket) => {
    let y = top + plotHeight;
    return classes.flatMap((outcome) => {
      const n = bucket.outcomes[outcome] ?? 0;
      if (n === 0) return [];
      const h = (n / most) * plotHeight;
      y -= h;
      return [
        html`<rect x="${round(x(bucket.atMs))}" y="${round(y)}" width="${round(barWidth)}" height="${round(h)}" fill="${colourOf(outcome, failures)}"><title>${`${formatNumber(bucket.atMs / 1000, 1)} s: ${outcome} ×${n}`}</title></rect>`,
      ];
    });
  });
  const markers = input.events.map(
    (e) =>
      html`<line x1="${round(x(e.atMs))}" x2="${round(x(e.atMs))}" y1="${top - 4}" y2="${top + plotHeight}" stroke="#1f2328" stroke-dasharray="3 2"><title>${`${formatNumber(e.atMs / 1000, 2)} s: ${e.label}`}</title></line>`,
  );
  const seconds = Math.floor(input.durationMs / 1000);
  const ticks = Array.from(
    { length: seconds + 1 },
    (_, s) =>
      html`<text x="${round(x(s * 1000))}" y="${height - 8}" text-anchor="middle" fill="#59636e">${`${s} s`}</text>`,
  );
  const legend = classes.map(
    (outcome, i) =>
      html`<rect x="${left + i * 90}" y="6" width="10" height="10" fill="${colourOf(outcome, failures)}"></rect><text x="${left + i * 90 + 14}" y="15">${outcome === 'ok' ? '2xx' : outcome}</text>`,
  );
  return joinHtml(
    [
      html`<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline-chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11" fill="#1f2328"><title>${`Requests of stream ${input.stream} per ${input.bucketMs} ms by outcome, with the chaos actions`}</title>`,
      html`<line x1="${left}" x2="${width - right}" y1="${top + plotHeight}" y2="${top + plotHeight}" stroke="#d8dee4"></line>`,
      html`<text x="${left - 4}" y="${top + 4}" text-anchor="end" fill="#59636e">${String(most)}</text>`,
      ...bars,
      ...markers,
      ...ticks,
      ...legend,
      html`</svg>`,
    ],
    '',
  );
}

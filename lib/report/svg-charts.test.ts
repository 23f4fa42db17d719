import { describe, expect, it } from 'vitest';
import {
  logTicks,
  niceStep,
  type RateSeries,
  type RatioChartCategory,
  renderLatencyChart,
  renderRateBarChart,
  renderRateLineChart,
  renderRatioChart,
} from './svg-charts.ts';

const category = (overrides: Partial<RatioChartCategory>): RatioChartCategory => ({
  name: 'v1',
  target: 0.9,
  count: 1283,
  observed: 0.916,
  lower: 0.872,
  upper: 0.95,
  inBand: true,
  disjoint: false,
  ...overrides,
});

/** The fill of the first element with this class, e.g. the interval bar's colour. */
function fillOf(svg: string, className: string): string | undefined {
  return new RegExp(`class="${className}"[^>]*fill="([^"]+)"`).exec(svg)?.[1];
}

describe('renderRatioChart', () => {
  it.each([
    ['inside the band', { inBand: true, disjoint: false }, '#1f7a3a', 'in band'],
    ['entirely outside', { inBand: false, disjoint: true }, '#c4302b', 'outside band'],
    ['overlapping the edge', { inBand: false, disjoint: false }, '#c26a00', 'undecided'],
  ])('colours an interval %s and says so', (_, state, colour, words) => {
    const svg = String(
      renderRatioChart({ tolerance: 0.05, confidence: '99.999%', categories: [category(state)] }),
    );
    expect(fillOf(svg, 'interval')).toBe(colour);
    expect(svg).toContain(words);
  });

  it('places the band, target and observed share on a 0–100% axis', () => {
    const svg = String(
      renderRatioChart({
        tolerance: 0.05,
        confidence: '99.999%',
        categories: [category({ target: 0.5, observed: 0.5, lower: 0.45, upper: 0.55 })],
      }),
    );
    // Plot from x=76, 420 px wide: 45% → 265, 55% → 307, 50% → 286.
    expect(svg).toMatch(/class="tolerance-band" x="265" [^>]*width="42"/);
    expect(svg).toMatch(/class="target" x1="286"/);
    expect(svg).toMatch(/class="observed" cx="286"/);
    expect(svg).toContain('50.0% of 1283 req');
  });

  it('clips a band that runs past 0% and draws no dot before any request', () => {
    const svg = String(
      renderRatioChart({
        tolerance: 0.05,
        confidence: '95%',
        categories: [category({ target: 0.02, observed: null, count: 0, lower: 0, upper: 1 })],
      }),
    );
    expect(svg).toMatch(/class="tolerance-band" x="76" /);
    expect(svg).not.toContain('class="observed"');
    expect(svg).toContain('no requests of 0 req');
  });

  it('escapes category names and carries a title for screen readers', () => {
    const svg = String(
      renderRatioChart({
        tolerance: 0.05,
        confidence: '95%',
        categories: [category({ name: '<v1&v2>' })],
      }),
    );
    expect(svg).toContain('&lt;v1&amp;v2&gt;');
    expect(svg).not.toContain('<v1&v2>');
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*><title>Observed share/);
  });
});

describe('renderLatencyChart', () => {
  const bins = [
    { fromMs: 0, toMs: 250, count: 0 },
    { fromMs: 250, toMs: 500, count: 4 },
    { fromMs: 500, toMs: 750, count: 0 },
    { fromMs: 750, toMs: 1000, count: 6 },
  ];

  it('shades the band and colours bars inside it green, outside red', () => {
    const svg = String(renderLatencyChart({ bins, band: { fromMs: 250, toMs: 550 }, title: 'latency' }));
    const bars = [...svg.matchAll(/class="bar"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(bars).toEqual(['#1f7a3a', '#c4302b']);
    expect(svg).toContain('class="latency-band"');
    expect(svg).toContain('expected 250–550 ms');
  });

  it('scales bars to the highest count and labels the markers', () => {
    const svg = String(renderLatencyChart({ bins, markers: [{ label: 'p99', ms: 990 }], title: 'latency' }));
    expect(svg).toMatch(/class="bar" x="[\d.]+" y="30" /);
    expect(svg).toContain('p99 990 ms');
    expect(svg).not.toContain('latency-band');
  });
});

describe('niceStep', () => {
  it.each([
    [2200, 500],
    [100, 20],
    [1, 0.2],
    [6000, 1000],
    [0, 1],
  ])('a %d ms axis gets ticks every %d', (range, step) => {
    expect(niceStep(range)).toBeCloseTo(step, 9);
  });
});

describe('logTicks', () => {
  it.each([
    [0.265, 11.159, [0.2, 0.5, 1, 2, 5, 10, 20]],
    [1, 10, [1, 2, 5, 10]],
    [0.03, 0.4, [0.02, 0.05, 0.1, 0.2, 0.5]],
    [150, 180, [100, 200]],
  ])('covers %d–%d with 1, 2, 5 × 10^k', (min, max, ticks) => {
    expect(logTicks(min, max)).toEqual(ticks);
  });
});

describe('renderRateLineChart', () => {
  const series = (values: (number | null)[], overrides: Partial<RateSeries> = {}): RateSeries => ({
    key: 's',
    label: 'meshed p50',
    colour: '#b35900',
    dashed: false,
    marker: 'square',
    hollow: false,
    values,
    ...overrides,
  });
  const chart = (values: (number | null)[], scale: 'auto' | 'log' | 'linear' = 'auto') =>
    String(
      renderRateLineChart({
        title: 'latency vs rate',
        rates: [100, 500, 1000, 2000],
        series: [series(values)],
        invalid: values.map((v) => (v === null ? { label: 'meshed invalid', detail: 'dropped' } : null)),
        scale,
        unit: 'ms',
        quantity: 'latency',
      }),
    );

  it('breaks the line at a missing value instead of drawing across it, and shades that column', () => {
    const svg = chart([1, 2, null, 3]);
    const path = /<path d="([^"]+)"/.exec(svg)?.[1] ?? '';
    expect(path.match(/[ML]/g)).toEqual(['M', 'L', 'M']);
    expect([...svg.matchAll(/class="point" data-rate="(\d+)"/g)].map((m) => m[1])).toEqual([
      '100',
      '500',
      '2000',
    ]);
    expect(svg).toContain('<g class="invalid" data-rate="1000"><title>1000 rps: dropped</title>');
    expect(svg).toContain('>meshed invalid</text>');
  });

  it('goes logarithmic when the values span a factor of 10, else stays linear from 0', () => {
    expect(chart([0.3, 1, 4, 11])).toContain('latency (ms, log scale)');
    const linear = chart([0.3, 0.5, 0.6, 0.9]);
    expect(linear).toContain('latency (ms)</text>');
    expect(linear).toMatch(/>0<\/text>/);
    expect(chart([0.3, 0.5, 0.6, 0.9], 'log')).toContain('log scale');
    expect(chart([0.3, 1, 4, 11], 'linear')).not.toContain('log scale');
  });

  it('shortens an invalid label that does not fit its column', () => {
    const svg = String(
      renderRateLineChart({
        title: 't',
        rates: [1, 2, 3, 4, 5, 6, 7, 8],
        series: [series([1, 2, 3, 4, 5, 6, 7, null])],
        invalid: [
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          { label: 'baseline and meshed invalid', detail: 'x' },
        ],
        scale: 'linear',
        unit: 'ms',
        quantity: 'latency',
      }),
    );
    expect(svg).toContain('>invalid</text>');
    expect(svg).not.toContain('>baseline and meshed invalid</text>');
  });
});

describe('renderRateBarChart', () => {
  const svg = String(
    renderRateBarChart({
      title: 'added latency',
      rates: [100, 500],
      series: [
        {
          key: 'p50',
          label: 'added p50',
          colour: '#f5a55c',
          values: [0.25, -0.5],
          ranges: [{ min: 0.2, max: 0.3 }, null],
        },
        { key: 'p99', label: 'added p99', colour: '#7a2a04', values: [2, null] },
      ],
      invalid: [null, { label: 'invalid', detail: 'meshed dropped arrivals' }],
      unit: 'ms',
      quantity: 'added latency',
      rangeLabel: 'range of single repetitions',
    }),
  );

  it('draws a negative difference below the zero line and labels every bar with its sign', () => {
    expect(svg).toContain('>+0.250</text>');
    expect(svg).toContain('>−0.500</text>');
    expect(svg).toContain('>+2.000</text>');
    const zero = Number(/<line x1="62" x2="664" y1="([\d.]+)" y2="\1" stroke="#59636e"\/>/.exec(svg)?.[1]);
    const negative = /<title>added p50 at 500 rps: −0.500 ms<\/title><rect x="[\d.]+" y="([\d.]+)"/.exec(svg);
    expect(Number(negative?.[1])).toBeCloseTo(zero, 0);
    expect(svg).toContain(
      '<title>added p50 at 100 rps: +0.250 ms (single repetitions +0.200 to +0.300 ms)</title>',
    );
    expect([...svg.matchAll(/class="range"/g)]).toHaveLength(1);
  });

  it('draws no bar for a missing value', () => {
    expect([...svg.matchAll(/class="bar" data-rate="(\d+)"/g)].map((m) => m[1])).toEqual([
      '100',
      '500',
      '100',
    ]);
    expect(svg).toContain('range of single repetitions');
  });
});

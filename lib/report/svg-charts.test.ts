import { describe, expect, it } from 'vitest';
import { niceStep, type RatioChartCategory, renderLatencyChart, renderRatioChart } from './svg-charts.ts';

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
    const svg = renderRatioChart({ tolerance: 0.05, confidence: '99.999%', categories: [category(state)] });
    expect(fillOf(svg, 'interval')).toBe(colour);
    expect(svg).toContain(words);
  });

  it('places the band, target and observed share on a 0–100% axis', () => {
    const svg = renderRatioChart({
      tolerance: 0.05,
      confidence: '99.999%',
      categories: [category({ target: 0.5, observed: 0.5, lower: 0.45, upper: 0.55 })],
    });
    // Plot from x=76, 420 px wide: 45% → 265, 55% → 307, 50% → 286.
    expect(svg).toMatch(/class="tolerance-band" x="265" [^>]*width="42"/);
    expect(svg).toMatch(/class="target" x1="286"/);
    expect(svg).toMatch(/class="observed" cx="286"/);
    expect(svg).toContain('50.0% of 1283 req');
  });

  it('clips a band that runs past 0% and draws no dot before any request', () => {
    const svg = renderRatioChart({
      tolerance: 0.05,
      confidence: '95%',
      categories: [category({ target: 0.02, observed: null, count: 0, lower: 0, upper: 1 })],
    });
    expect(svg).toMatch(/class="tolerance-band" x="76" /);
    expect(svg).not.toContain('class="observed"');
    expect(svg).toContain('no requests of 0 req');
  });

  it('escapes category names and carries a title for screen readers', () => {
    const svg = renderRatioChart({
      tolerance: 0.05,
      confidence: '95%',
      categories: [category({ name: '<v1&v2>' })],
    });
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
    const svg = renderLatencyChart({ bins, band: { fromMs: 250, toMs: 550 }, title: 'latency' });
    const bars = [...svg.matchAll(/class="bar"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    expect(bars).toEqual(['#1f7a3a', '#c4302b']);
    expect(svg).toContain('class="latency-band"');
    expect(svg).toContain('expected 250–550 ms');
  });

  it('scales bars to the highest count and labels the markers', () => {
    const svg = renderLatencyChart({ bins, markers: [{ label: 'p99', ms: 990 }], title: 'latency' });
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

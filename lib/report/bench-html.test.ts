import { describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { renderBenchHtml, renderBenchSection } from './bench-html.ts';

const report = fixtureBenchReport();
const section = String(renderBenchSection(report));

/** The markup of the first element carrying this id, up to its closing tag. */
function byId(html: string, id: string, closing: string): string {
  const start = html.indexOf(`id="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf(closing, start));
}

/** The `<tr>` of a table row, by table class and the row's data attributes. */
function row(html: string, tableClass: string, attributes: string): string {
  const table = html.slice(html.indexOf(`<table class="${tableClass}"`));
  const start = table.indexOf(`<tr ${attributes}`);
  return start < 0 ? '' : table.slice(start, table.indexOf('</tr>', start));
}

const latencyChart = byId(section, 'bench-latency-chart', '</figure>');
const addedChart = byId(section, 'bench-added-chart', '</figure>');

describe('the fixture benchmark', () => {
  it('has an invalid point at 1000 rps (meshed lacked headroom) and valid ones below', () => {
    expect(report.results.map((p) => [p.targetRps, p.valid])).toEqual([
      [100, true],
      [500, true],
      [1000, false],
    ]);
    expect(report.results[2]?.meshed.latenciesMs).toBeNull();
    expect(report.results[2]?.baseline.latenciesMs).not.toBeNull();
  });
});

describe('renderBenchSection', () => {
  it('matches the golden section', async () => {
    await expect(`${section}\n`).toMatchFileSnapshot('./golden/bench-section.golden.html');
  });

  it('tables the self-checks with status, want and got', () => {
    expect(section).toContain('<table class="self-checks">');
    const headroom = row(
      section,
      'self-checks',
      'class="self-check self-check-failed" data-check="headroom"',
    );
    expect(headroom).toContain('<span class="badge badge-FAILED">✗ failed</span>');
    expect(headroom).toContain('<td data-label="want">every window: achieved ≥ 99% of the target');
    expect(headroom).toContain(
      '<td data-label="got" class="got-bad">1 of 14 windows invalid: 1000 rps meshed #2: achieved 960 rps',
    );
    expect(
      row(section, 'self-checks', 'class="self-check self-check-passed" data-check="calibration"'),
    ).toContain('2.045 ms (per repetition: 2.001, 2.081 ms');
    expect(section).toContain('<span class="badge badge-FAILED">✗ a self-check failed</span>');
  });

  it('plots baseline and meshed p50 and p99 against rate, on a log scale for these figures', () => {
    expect(latencyChart).toContain('<title>Latency against arrival rate');
    expect(latencyChart).toContain('latency (ms, log scale)');
    expect(latencyChart).toContain('target rate (requests/s)');
    for (const series of ['baseline-p50', 'baseline-p99', 'meshed-p50', 'meshed-p99']) {
      expect(latencyChart).toContain(`data-series="${series}"`);
    }
    expect(latencyChart).toContain('<title>meshed p99 at 500 rps: 5.763 ms</title>');
    expect(latencyChart).toContain('<title>baseline p50 at 100 rps: 0.696 ms</title>');
  });

  it('does not plot the meshed latency of the invalid point, and marks its column invalid', () => {
    const points = (series: string) => {
      const group = latencyChart.slice(latencyChart.indexOf(`data-series="${series}"`));
      return [
        ...group.slice(0, group.indexOf('</g></g>') + 4).matchAll(/class="point" data-rate="(\d+)"/g),
      ].map((m) => Number(m[1]));
    };
    expect(points('meshed-p50')).toEqual([100, 500]);
    expect(points('meshed-p99')).toEqual([100, 500]);
    // The baseline at 1000 rps had headroom: its own figures are a measurement.
    expect(points('baseline-p50')).toEqual([100, 500, 1000]);
    expect(latencyChart).not.toContain('meshed p50 at 1000 rps');
    expect(latencyChart).toMatch(
      /<g class="invalid" data-rate="1000"><title>1000 rps: meshed invalid \(meshed, repetition 2: achieved 960 rps/,
    );
    expect(latencyChart).toContain('>meshed invalid</text>');
    // The meshed line stops at 500 rps: one segment, no line drawn into the invalid column.
    const meshedPath = /data-series="meshed-p50"><path d="([^"]+)"/.exec(latencyChart)?.[1];
    expect(meshedPath?.match(/[ML]/g)).toEqual(['M', 'L']);
  });

  it('draws the added latency per percentile and rate, with no bars where the point is invalid', () => {
    expect(addedChart).toContain('<title>Latency the mesh adds (meshed − baseline)');
    const bars = [...addedChart.matchAll(/data-series="(added-p\d+)"|class="bar" data-rate="(\d+)"/g)]
      .map((m) => m[1] ?? m[2])
      .join(' ');
    expect(bars).toBe('added-p50 100 500 added-p90 100 500 added-p99 100 500');
    expect(addedChart).toContain(
      '<title>added p99 at 500 rps: +3.240 ms (single repetitions +3.118 to +3.240 ms)</title>',
    );
    expect(addedChart).toContain('>+0.244</text>');
    expect(addedChart).toMatch(/<g class="invalid" data-rate="1000"><title>1000 rps: meshed, repetition 2/);
    expect(addedChart).toContain('range of single repetitions');
  });

  it('lists the invalid point as invalid in the added-latency and per-mode tables', () => {
    expect(row(section, 'bench-added', 'class="invalid" data-rate="1000"')).toContain(
      '<td colspan="7" class="invalid-note">invalid: meshed, repetition 2: achieved 960 rps, below 99% of 1000; meshed, repetition 2: 400 of 10000 arrivals dropped',
    );
    const meshed = row(section, 'bench-modes', 'class="invalid" data-rate="1000" data-mode="meshed"');
    expect(meshed).toContain('<td class="num" data-label="dropped">400</td>');
    expect(meshed).toContain('class="invalid-note">invalid: meshed, repetition 2: achieved 960 rps');
    expect(meshed).not.toMatch(/data-label="p50"/);
    const baseline = row(section, 'bench-modes', 'data-rate="1000" data-mode="baseline"');
    expect(baseline).toContain('<td class="num" data-label="p50">0.277</td>');
    expect(row(section, 'bench-added', 'data-rate="100"')).toContain(
      '<td class="num" data-label="p50">+0.244</td><td class="num" data-label="p90">+0.351</td>',
    );
  });

  it('tables the proxies: CPU average and maximum, CPU per 1000 rps and RSS', () => {
    const proxies = section.slice(section.indexOf('<table class="bench-proxies"'));
    expect(proxies).toContain(
      'haproxy (server-v1) <span class="muted">(server-sidecar)</span></td><td class="num" data-label="CPU avg">72.6</td><td class="num" data-label="CPU max">109.0</td><td class="num" data-label="CPU per 1000 rps">145.2</td><td class="num" data-label="RSS avg">25.1</td><td class="num" data-label="RSS max">25.2</td>',
    );
  });

  it('escapes what the run recorded', () => {
    const hostile: BenchReport = {
      ...report,
      notes: ['<script>alert(1)</script>'],
      environment: { ...report.environment, cpuModel: 'A & B <cpu>' },
    };
    const html = String(renderBenchSection(hostile));
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('A &amp; B &lt;cpu&gt;');
    expect(html).not.toContain('<script>');
  });

  it('draws nothing as latency when every point is invalid', () => {
    const invalid: BenchReport = {
      ...report,
      results: report.results.map((p) => ({
        ...p,
        valid: false,
        addedLatencyMs: null,
        addedLatencySpreadMs: null,
        baseline: { ...p.baseline, valid: false, latenciesMs: null },
        meshed: { ...p.meshed, valid: false, latenciesMs: null },
      })),
    };
    const html = String(renderBenchSection(invalid));
    expect(html).not.toContain('class="point"');
    expect(html).not.toContain('class="bar"');
    // Three columns in each chart, three rows of added latency, six of latency by mode.
    expect([...html.matchAll(/class="invalid" data-rate=/g)]).toHaveLength(3 + 3 + 3 + 6);
    expect(html).toContain('>baseline and meshed invalid</text>');
  });
});

describe('renderBenchHtml', () => {
  const page = renderBenchHtml(report);

  it('is one self-contained page: no URL but the SVG namespace, no script, a CSP forbidding requests', () => {
    const urls = [...page.matchAll(/\b(?:https?|ftp|wss?):\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(page).not.toMatch(/<(?:link|img|iframe|object|embed|script)\b/);
    expect(page).not.toMatch(/\bsrc=/);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`,
    );
  });

  it('says in its title and header whether the self-checks passed, and embeds the section once', () => {
    expect(page).toContain(
      '<title>meshproof bench self-check failed: reference (haproxy 2.6.12) on local</title>',
    );
    expect(page).toContain('data-verdict="FAILED">SELF-CHECK FAILED</span>');
    expect(page.split('<section id="bench"')).toHaveLength(2);
    expect(page).toContain(section);
    expect(page).toContain('@media print');
    expect(page).toContain('.bench .num{');
  });
});

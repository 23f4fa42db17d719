import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import {
  failingFixtureReport,
  passingFixtureReport,
  withStatuses,
} from '../../test/report/report-fixtures.ts';
import type { CheckResult } from '../model/verdict.ts';
import { benchStyles, renderBenchSection } from './bench-html.ts';
import { checksInReadingOrder, renderHtmlReport } from './html-report.ts';

const html = renderHtmlReport(failingFixtureReport());

/** The HTML of one check's section. */
function section(page: string, id: string): string {
  const start = page.indexOf(`<article class="check check-`, page.indexOf(`id="check-${id}"`) - 80);
  return page.slice(start, page.indexOf('</article>', start));
}

const sectionOrder = (page: string) =>
  [...page.matchAll(/<article class="check check-(\w+)" id="check-([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);

describe('renderHtmlReport', () => {
  it('matches the golden page', async () => {
    await expect(html).toMatchFileSnapshot('./golden/report-failing.golden.html');
  });

  it('shows the verdict and the run facts in the header', () => {
    const header = html.slice(html.indexOf('<header class="report-header">'), html.indexOf('</header>'));
    expect(header).toContain('data-verdict="FAILED">FAILED<');
    for (const fact of [
      'reference</strong> haproxy 2.6.12',
      '<dt>Platform</dt><dd>local</dd>',
      '<dt>Kubernetes</dt><dd>none (local platform',
      'meshproof 0.1.0',
      '2026-11-21 15:08:16 UTC · took 33.6 s',
      '<dt>False-failure bound</dt><dd>2.0e-5',
      '--only security.*,traffic.*',
    ]) {
      expect(header).toContain(fact);
    }
    expect(header).toMatch(/count-FAILED"><span class="count-number">3</);
    expect(header).toMatch(/count-SKIPPED"><span class="count-number">1</);
  });

  it('lists failed checks first, then errored, passed, not supported, skipped', () => {
    expect(sectionOrder(html)).toEqual([
      'FAILED security.authz.deny-unlisted-identity',
      'FAILED traffic.weights.90-10',
      'FAILED resilience.timeout.route-timeout',
      'ERROR security.mtls.identity-presented',
      'PASSED resilience.retries.attempts-honoured',
      'PASSED resilience.retries.per-try-timeout',
      'PASSED resilience.fault.abort-percentage',
      'NOT_SUPPORTED traffic.mirror.percentage',
      'SKIPPED resilience.ratelimit.local',
    ]);
  });

  it('shows a failed ratio check with want, got, chart, table, propagation, config, diagnostics and hints', () => {
    const weights = section(html, 'traffic.weights.90-10');
    expect(weights).toContain('<dt>Wanted</dt><dd>v1 90%, v2 10% (each ± 5 points');
    expect(weights).toContain('<dd class="got-bad">v1 served 1109/1400 = 79.2%');
    expect(weights).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="chart ratio-chart"');
    expect(weights).toMatch(/<td><strong>v1<\/strong><\/td><td>90.0%<\/td><td>1109<\/td><td>79.2%<\/td>/);
    expect(weights).toContain('outside tolerance');
    expect(weights).toContain('Configuration in effect after <strong>330 ms</strong>');
    expect(weights).toContain('<summary>Configuration applied (1)</summary>');
    expect(weights).toContain('weight 90 ssl crt client.pem');
    expect(weights).toContain('<summary>Diagnostics captured before cleanup (1)</summary>');
    expect(weights).toContain('Likely causes');
    expect(weights).toContain('DestinationRule subsets');
  });

  it('draws the latency distribution with its band for a timeout check', () => {
    const timeout = section(html, 'resilience.timeout.route-timeout');
    expect(timeout).toContain('class="chart latency-chart"');
    expect(timeout).toContain('expected 285–550 ms');
    expect(timeout).toContain('>timeout 300 ms</text>');
    expect(timeout).toContain('<strong>0</strong> of 10 requests inside, 0 faster, 10 slower');
    expect(timeout).toMatch(/<td>10<\/td><td>20\d\d\.\d ms<\/td>/);
  });

  it('shows the attempts servers saw for retry checks, and raw latencies as a chart', () => {
    const retries = section(html, 'resilience.retries.attempts-honoured');
    expect(retries).toContain('<td>recovers</td><td>4</td><td>3 attempts ×4</td>');
    const perTry = section(html, 'resilience.retries.per-try-timeout');
    expect(perTry).toContain('<td>slowFirst</td><td>5</td><td>2 attempts ×5</td>');
    expect(perTry).toContain('Latency per request');
    expect(perTry).toContain('>per try timeout 200 ms</text>');
    expect(perTry).toContain('<dt>perTryTimeoutMs</dt><dd><code>200</code></dd>');
  });

  it('shows counts that were not judged next to the judged share', () => {
    const aborts = section(html, 'resilience.fault.abort-percentage');
    expect(aborts).toMatch(/<td>passed<\/td><td>—<\/td><td>905<\/td><td>90.5%<\/td>/);
  });

  it('flags configuration never confirmed, and escapes captured logs', () => {
    const authz = section(html, 'security.authz.deny-unlisted-identity');
    expect(authz).toContain('never confirmed in effect before measuring');
    expect(authz).toContain('&lt;no policy rendered&gt;');
    expect(authz).not.toContain('<no policy rendered>');
  });

  it('lists NOT_SUPPORTED and SKIPPED checks with their reasons, and why an ERROR happened', () => {
    expect(section(html, 'traffic.mirror.percentage')).toContain(
      '<strong>Not supported:</strong> Mirroring: haproxy 2.6 cannot copy',
    );
    expect(section(html, 'resilience.ratelimit.local')).toContain(
      '<strong>Skipped:</strong> not selected by --only',
    );
    expect(section(html, 'security.mtls.identity-presented')).toContain(
      '<dd class="got-bad">the harness broke: connect ECONNREFUSED 127.0.0.1:41234</dd>',
    );
    const report = failingFixtureReport();
    const errored = report.checks.map((c) =>
      c.id === 'security.mtls.identity-presented' ? { ...c, got: 'no verdict', reason: 'worker crashed' } : c,
    );
    expect(
      section(renderHtmlReport({ ...report, checks: errored }), 'security.mtls.identity-presented'),
    ).toContain('<strong>Reason:</strong> worker crashed');
  });

  it('marks the capability matrix: supported features, the unsupported one with its reason, and the checks of each', () => {
    const matrix = html.slice(html.indexOf('id="capabilities"'), html.indexOf('id="checks"'));
    const card = (feature: string) => {
      const at = matrix.indexOf(`data-feature="${feature}"`);
      return matrix.slice(at, matrix.indexOf('</li>\n', at));
    };
    expect(matrix).toContain('reference supports 7 of 8 features');
    expect(card('Mirroring')).toContain('title="not supported">✗</span> <strong>Mirroring</strong>');
    expect(card('Mirroring')).toContain('not supported: haproxy 2.6 cannot copy');
    expect(card('Mirroring')).toContain('0 of 1 ran');
    expect(card('Timeouts')).toContain(
      'title="supported">✓</span> <strong>Timeouts</strong> <span class="muted">2 of 2 ran',
    );
    expect(card('Timeouts')).toContain('<a href="#check-resilience.timeout.route-timeout">');
    expect(card('RateLimit')).toMatch(/0 of 1 ran.*dot-SKIPPED/);
  });

  it('offers a filter button per status present, and no "needs attention" box when all passed', () => {
    expect(html).toContain('data-filter="FAILED" aria-pressed="false">Failed 3</button>');
    expect(html).not.toContain('data-filter="PASSED_"');
    const passing = renderHtmlReport(passingFixtureReport());
    expect(passing).toContain('data-verdict="PASSED"');
    expect(passing).not.toContain('Needs attention');
    expect(passing).not.toContain('data-filter="FAILED"');
  });

  it('is self-contained: no URL but the SVG namespace, and a CSP allowing only its own script', () => {
    const urls = [...html.matchAll(/\b(?:https?|ftp|wss?):\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    expect(html).not.toMatch(/<(?:link|img|iframe|object|embed)\b/);
    expect(html).not.toMatch(/\bsrc=/);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
  });

  it('survives evidence it cannot draw, and says where the data is', () => {
    const report = failingFixtureReport();
    const broken: CheckResult = {
      ...(report.checks.find((c) => c.id === 'resilience.timeout.route-timeout') as CheckResult),
      evidence: {
        latency: {
          kind: 'latency',
          band: { fromMs: 1, toMs: 2 },
          percentiles: {},
          buckets: [null],
          marks: [],
        },
      } as unknown as CheckResult['evidence'],
    };
    const page = renderHtmlReport({
      ...report,
      checks: report.checks.map((c) => (c.id === broken.id ? broken : c)),
    });
    expect(section(page, broken.id)).toContain('The evidence could not be drawn');
    expect(sectionOrder(page)).toHaveLength(report.checks.length);
  });

  it('keeps the order of checks with the same status, and puts errors after failures', () => {
    const report = withStatuses(failingFixtureReport(), { 'resilience.fault.abort-percentage': 'ERROR' });
    const order = checksInReadingOrder(report.checks).map((c) => c.status);
    expect(order.indexOf('ERROR')).toBeGreaterThan(order.lastIndexOf('FAILED'));
    expect(order.lastIndexOf('ERROR')).toBeLessThan(order.indexOf('PASSED'));
  });

  it('embeds a benchmark given with it: the bench section after the checks, with its styles', () => {
    const bench = fixtureBenchReport();
    const page = renderHtmlReport(failingFixtureReport(), { bench });
    const section = String(renderBenchSection(bench));
    expect(page.split(section)).toHaveLength(2);
    expect(page.indexOf(section)).toBeGreaterThan(page.indexOf('<section id="checks"'));
    expect(page.indexOf(section)).toBeLessThan(page.indexOf('<footer>'));
    expect(page).toContain(`${benchStyles}</style>`);
    // Still one self-contained page with the filter's script allowed by hash, and nothing else changed.
    expect(page).toContain("default-src 'none'");
    expect(
      page
        .replace(section, '')
        .replace(String(benchStyles), '')
        .replace('</section>\n\n<footer>', '</section>\n<footer>'),
    ).toBe(html);
  });

  it('has no bench section or bench styles without a benchmark', () => {
    expect(html).not.toContain('id="bench"');
    expect(html).not.toContain(String(benchStyles));
  });
});

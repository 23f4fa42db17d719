import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import {
  failingFixtureReport,
  passingFixtureReport,
  withStatuses,
} from '../../test/report/report-fixtures.ts';
import { diffBenchReports } from '../bench/bench-diff.ts';
import { renderBenchDiffMarkdown, renderBenchDiffTable } from '../bench/bench-diff-formats.ts';
import { renderBenchMarkdown } from '../bench/bench-markdown.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { formatBenchSummary } from '../cli/bench-command.ts';
import { formatError, MeshproofError } from '../errors/meshproof-error.ts';
import type { CheckResult, MeshName, PlatformName } from '../model/index.ts';
import type { ConformanceReport } from '../report/conformance-report.ts';
import { renderDiffMarkdown, renderDiffTable } from '../report/diff-formats.ts';
import { diffReports } from '../report/diff-reports.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import { renderSummaryMarkdown } from '../report/summary-markdown.ts';
import { markdownCell, markdownCode } from './markdown-escape.ts';
import { terminalText } from './terminal-escape.ts';

/**
 * Every Markdown and terminal output is inert by construction: the same hostile strings, put in
 * every free-text field a report file or a proxy can fill, go through every writer, and the result
 * is read back with a real GFM renderer (micromark with the GFM extensions, as GitHub renders a job
 * summary, raw HTML let through as GitHub does) and checked: no element but the writer's own
 * (no link, image, raw HTML), the string shown whole as text in one element, and on the terminal
 * no control character at all.
 */

const hostile: readonly (readonly [string, string])[] = [
  ['a lone CR and a pipe', 'row\rsplit | in two'],
  ['line breaks of every kind', 'one\ntwo\r\nthree\u2028four'],
  ['a Markdown image', '![pixel](https://evil.example/pixel.png)'],
  ['a Markdown link', '[click me](https://evil.example/phish "title")'],
  ['a reference link and definition', '[x][y] [y]: https://evil.example'],
  ['raw HTML with a handler', '<img src=x onerror="alert(1)">'],
  ['a script element', '<script>alert(document.cookie)</script>'],
  ['an autolink', '<https://evil.example/auto>'],
  ['bare URLs and an e-mail', 'see https://evil.example/a www.evil.example or mail user@evil.example'],
  ['backticks that end a code span', 'tick ` double `` triple ``` end`'],
  ['entities', '&lt;b&gt; &#x3C;script&#x3E; &amp; &copy;'],
  ['emphasis, strikethrough and math', '**bold** _em_ ~~gone~~ $x^2$ \\(y\\)'],
  ['backslashes and an escaped pipe', 'C:\\path\\ \\| end\\'],
  ['a heading closer and a footnote', 'value [^1] #'],
  [
    'ANSI colours and an OSC 8 hyperlink',
    '\u001b[31mred\u001b[0m \u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007',
  ],
  ['a C1 CSI, bell and backspace', 'x\u009b2Jy\u0007z\bw\u007f'],
  ['bidirectional overrides', 'user\u202Egnp.exe\u202C and \u2066isolate\u2069'],
];

/** What a reader must see for a hostile string: the text itself, one line, control characters as stand-ins. */
const visible = (text: string) => terminalText(text).trim();

/** Elements a writer itself produces; anything else came from a string. */
const ownElements = new Set([
  'h1',
  'h2',
  'h3',
  'p',
  'strong',
  'code',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'ul',
  'li',
  'blockquote',
]);

function render(markdown: string): string {
  return micromark(markdown, {
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
    allowDangerousHtml: true,
    allowDangerousProtocol: true,
  });
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Checks rendered Markdown: only the writer's elements, no attributes but alignment, `text` whole in one text node. */
function expectInert(markdown: string, text: string): void {
  const html = render(markdown);
  const tags = [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)];
  for (const [tag, name, attributes] of tags) {
    expect(ownElements.has((name ?? '').toLowerCase()), `element ${tag} in\n${html}`).toBe(true);
    expect(attributes?.replace(/\s*align="(left|right|center)"/g, '').trim(), `attributes of ${tag}`).toBe(
      '',
    );
  }
  const nodes = html.split(/<[^>]*>/).map(decode);
  expect(
    nodes.some((node) => node.includes(text)),
    `${JSON.stringify(text)} is not whole in one text node of\n${html}`,
  ).toBe(true);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const controlCharacters = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

/** Checks terminal output: no control character but the line breaks between lines, `text` whole on one line. */
function expectInertOnTerminal(output: string, text: string): void {
  expect(output).not.toMatch(controlCharacters);
  // Runs of blanks may fold (a coded error folds a line break and its indent into one space).
  const fold = (line: string) => line.replace(/ +/g, ' ');
  expect(
    output.split('\n').some((line) => fold(line).includes(fold(text))),
    `${JSON.stringify(text)} not whole on one line of\n${output}`,
  ).toBe(true);
}

function hostileReport(h: string): ConformanceReport {
  const report = failingFixtureReport();
  return {
    ...report,
    runId: h,
    mesh: { name: h, version: h },
    platform: h,
    harness: { ...report.harness, version: h },
    config: { ...report.config, only: [h], defects: [h] },
    checks: [
      ...report.checks.map((check) => ({ ...check, want: h, got: `got ${h}`, reason: h })),
      { ...(report.checks[0] as ConformanceReport['checks'][number]), id: h, status: 'FAILED', got: h },
    ],
  };
}

function hostileDiff(h: string) {
  const base = passingFixtureReport();
  const regressed = withStatuses(base, {
    'traffic.weights.90-10': 'FAILED',
    'security.authz.deny-unlisted-identity': 'NOT_SUPPORTED',
  });
  const candidate: ConformanceReport = {
    ...regressed,
    runId: h,
    mesh: { name: h, version: h },
    platform: h,
    checks: regressed.checks.map((check) => ({ ...check, want: h, got: h, reason: h })),
  };
  return diffReports(base, candidate);
}

/** Built once: the writers read it and never change it. */
const benchFixture = fixtureBenchReport();

function hostileBench(h: string): BenchReport {
  const report = benchFixture;
  return {
    ...report,
    runId: h,
    environment: {
      ...report.environment,
      mesh: h as MeshName,
      platform: h as PlatformName,
      meshVersion: h,
      proxy: { name: h, version: h },
      cpuModel: h,
      node: h,
      harnessVersion: h,
    },
    testConfig: { ...report.testConfig, loadGenerator: h, order: h },
    paths: { baseline: h, meshed: h, calibration: h },
    selfChecks: report.selfChecks.map((check) => ({ ...check, want: h, got: h })),
    results: report.results.map((point) => ({
      ...point,
      problems: [h],
      proxies: point.proxies.map((proxy) => ({ ...proxy, name: h })),
    })),
    notes: [h],
    referenceNumbers: [h],
  };
}

function progressLines(h: string): string {
  const lines: string[] = [];
  const reporter = new ProgressReporter((line) => lines.push(line));
  const result = { id: h, status: 'FAILED', want: h, got: h, durationMs: 1 } as unknown as CheckResult;
  reporter.onCheckResult(result, 1, 1);
  return lines.join('\n');
}

const markdownWriters: readonly (readonly [string, (h: string) => string])[] = [
  ['summary.md', (h) => renderSummaryMarkdown(hostileReport(h))],
  ['diff.md', (h) => renderDiffMarkdown(hostileDiff(h))],
  ['bench.md', (h) => renderBenchMarkdown(hostileBench(h))],
  ['bench-diff.md', (h) => renderBenchDiffMarkdown(diffBenchReports(benchFixture, hostileBench(h)))],
  ['a table cell', (h) => `| a | b |\n| --- | --- |\n| ${markdownCell(h)} | x |\n`],
  [
    'a code span',
    (h) => `| a | b |\n| --- | --- |\n| ${markdownCode(h)} | x |\n\nRun ${markdownCode(h)} here`,
  ],
];

const terminalWriters: readonly (readonly [string, (h: string) => string])[] = [
  ['progress lines', progressLines],
  ['the diff table', (h) => renderDiffTable(hostileDiff(h))],
  ['the bench summary', (h) => formatBenchSummary(hostileBench(h))],
  ['the bench diff table', (h) => renderBenchDiffTable(diffBenchReports(benchFixture, hostileBench(h)))],
  ['a coded error', (h) => formatError(new MeshproofError('MESHPROOF_BAD_FLAG', `--only ${h}`))],
];

describe.each(hostile)('%s', (_, h) => {
  it.each(markdownWriters)('is inert text in %s', (_writer, write) => {
    expectInert(write(h), visible(h));
  });
  it.each(terminalWriters)('is inert text in %s', (_writer, write) => {
    expectInertOnTerminal(write(h), visible(h));
  });
});

describe('the escaping functions', () => {
  it('leave ordinary text as it reads', () => {
    expect(markdownCell('504 ×10, each within 285–550 ms')).toBe('504 ×10, each within 285–550 ms');
    expect(markdownCode('security.mtls.strict-rejects-plaintext')).toBe(
      '`security.mtls.strict-rejects-plaintext`',
    );
    expect(terminalText('PASSED  0.3 s')).toBe('PASSED  0.3 s');
  });
  it('show an escape character as a visible stand-in', () => {
    expect(terminalText('\u001b[2J')).toBe('␛[2J');
  });
});

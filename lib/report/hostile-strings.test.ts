import { DOMParser } from '@xmldom/xmldom';
import { type DefaultTreeAdapterTypes, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import { failingFixtureReport, fixtureRegistry } from '../../test/report/report-fixtures.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { capabilityMatrix } from '../meshes/capability-matrix.ts';
import { evidenceKinds } from '../model/evidence.ts';
import { renderBenchHtml } from './bench-html.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { renderHtmlReport } from './html-report.ts';
import { renderJunit } from './junit-report.ts';

/**
 * Text a run records comes from servers, proxies and clusters: none of it may become markup.
 * Every string of a report (and every key of evidence a judge can name freely) is replaced by
 * a hostile string, and the page must have exactly the elements and attributes it has with
 * harmless strings in the same places: nothing is added, nothing is closed early, no script.
 */
const hostileStrings = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '</style><script>alert(2)</script>',
  ']]><![CDATA[<b>x</b>]]>',
  '<!-- <b>',
  'javascript:alert(1)',
  '| a | b |\n|---|---|\n| c | d |',
  '\u001b[31mred\u001b[0m',
  '\u001b]8;;http://x\u0007link\u001b]8;;\u0007',
  'nul\0byte',
  'lone\rcr and crlf\r\n',
  '</code></pre></details></svg><svg onload=alert(3)>',
  '</title></textarea><textarea>',
  '&amp; &lt;b&gt; &#x3c;b&#x3e;',
  'csi\u009b31m del\u007f',
];

/** Fields whose values are typed unions the renderers switch on: kept as they are. */
const typedFields = new Set([
  'status',
  'profile',
  'verdict',
  'feature',
  'features',
  'mode',
  'role',
  'format',
  'meshes',
  'histogram',
]);

/** Members of evidence pieces whose keys a judge chooses (plans, categories): their keys are text too. */
const keyedEvidence = new Set(['counts', 'byTraffic']);

/**
 * The report with the n-th string replaced by `text(n)`, evidence keys of plans and
 * categories too, and extra evidence fields (a free key and value, a nested one, a timeout).
 */
function withStrings<T>(value: T, text: (n: number) => string): T {
  let count = 0;
  const next = () => text(count++);
  const walk = (item: unknown, key: string, parent: string): unknown => {
    if (typeof item === 'string') {
      // A piece of evidence's kind is a typed union too (a resource's kind is text).
      const evidenceKind = key === 'kind' && (evidenceKinds as readonly string[]).includes(item);
      return typedFields.has(key) || evidenceKind ? item : next();
    }
    if (Array.isArray(item))
      return typedFields.has(key) ? item : item.map((entry) => walk(entry, key, parent));
    if (typeof item !== 'object' || item === null) return item;
    const renamed = keyedEvidence.has(key);
    const entries: [string, unknown][] = Object.entries(item).map(([name, entry]) => [
      renamed ? next() : name,
      walk(entry, name, key),
    ]);
    if (key === 'evidence') {
      entries.push(
        [next(), { kind: 'value', value: next() }],
        [next(), { kind: 'value', value: { [next()]: [next(), 1] } }],
        [next(), { kind: 'cases', cases: [{ label: next(), want: next(), got: next(), ok: false }] }],
        [next(), { kind: 'timeline', events: [{ atMs: 250, label: next() }] }],
      );
    }
    return Object.fromEntries(entries);
  };
  return walk(value, '', '') as T;
}

const numbered = (n: number, text: string) => `[${n}]${text}`;
const hostile = (n: number) => numbered(n, hostileStrings[n % hostileStrings.length] ?? '');
const harmless = (n: number) => numbered(n, 'harmless');

function conformanceReport(text: (n: number) => string): ConformanceReport {
  const report = failingFixtureReport();
  return withStrings(
    {
      ...report,
      environment: { ...report.environment, kubernetes: 'v1.31.4+k3s1', proxy: 'haproxy 2.6.12' },
      config: { ...report.config, defects: ['retries-ignored'] },
      capabilityMatrix: capabilityMatrix(fixtureRegistry),
    },
    text,
  );
}

const benchReport = (text: (n: number) => string): BenchReport => withStrings(fixtureBenchReport(), text);

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

const isElement = (node: Node): node is Element => 'tagName' in node;

function parsePage(page: string): { elements: Element[]; comments: number; errors: string[] } {
  const errors: string[] = [];
  const document = parse(page, {
    onParseError: (error) => errors.push(`${error.code} at ${error.startLine}:${error.startCol}`),
  });
  const elements: Element[] = [];
  let comments = 0;
  const visit = (node: Node) => {
    if (node.nodeName === '#comment') comments++;
    if (isElement(node)) elements.push(node);
    for (const child of 'childNodes' in node ? node.childNodes : []) visit(child);
  };
  visit(document);
  return { elements, comments, errors };
}

/** Each element as its namespace, name and attribute names, in document order. */
const skeleton = (elements: readonly Element[]) =>
  elements.map((e) => `${e.namespaceURI} ${e.tagName}[${e.attrs.map((a) => a.name).join(' ')}]`);

/** How the strings with control characters or carriage returns read on the page. */
const shownAs: ReadonlyMap<string, string> = new Map([
  ['\u001b[31mred\u001b[0m', '␛[31mred␛[0m'],
  ['\u001b]8;;http://x\u0007link\u001b]8;;\u0007', '␛]8;;http://x␇link␛]8;;␇'],
  ['nul\0byte', 'nul␀byte'],
  ['lone\rcr and crlf\r\n', 'lone\ncr and crlf\n'],
  ['csi\u009b31m del\u007f', 'csi\ufffd31m del␡'],
]);

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value;
  return 'childNodes' in node ? node.childNodes.map(textOf).join('') : '';
}

describe.each([
  [
    'report.html',
    () => renderHtmlReport(conformanceReport(hostile), { bench: benchReport(hostile) }),
    () => renderHtmlReport(conformanceReport(harmless), { bench: benchReport(harmless) }),
    1,
  ],
  [
    'bench.html',
    () => renderBenchHtml(benchReport(hostile)),
    () => renderBenchHtml(benchReport(harmless)),
    0,
  ],
])('%s with hostile strings in every field', (_name, renderHostile, renderHarmless, ownScripts) => {
  const page = parsePage(renderHostile());
  const reference = parsePage(renderHarmless());

  it('parses without a single error, like the page with harmless strings', () => {
    expect(reference.errors).toEqual([]);
    expect(page.errors).toEqual([]);
  });

  it('has exactly the elements, attributes and comments of the page with harmless strings', () => {
    expect(skeleton(page.elements)).toEqual(skeleton(reference.elements));
    expect(page.comments).toBe(0);
    expect(reference.comments).toBe(0);
  });

  it("runs no script but the page's own, has no event handler and links only within the page", () => {
    const scripts = page.elements.filter((e) => e.tagName === 'script');
    expect(scripts).toHaveLength(ownScripts);
    expect(scripts.map(textOf)).toEqual(reference.elements.filter((e) => e.tagName === 'script').map(textOf));
    const attributes = page.elements.flatMap((e) => e.attrs);
    expect(attributes.filter((a) => /^on/i.test(a.name))).toEqual([]);
    expect(attributes.filter((a) => a.name === 'src')).toEqual([]);
    for (const link of attributes.filter((a) => a.name === 'href')) expect(link.value).toMatch(/^#/);
    expect(page.elements.filter((e) => e.tagName === 'style')).toHaveLength(1);
  });

  it('shows every hostile string as text, as it was recorded', () => {
    const html = page.elements.find((e) => e.tagName === 'html');
    const visible = `${textOf(html as Node)}\n${page.elements.flatMap((e) => e.attrs.map((a) => a.value)).join('\n')}`;
    for (const text of hostileStrings) expect(visible).toContain(shownAs.get(text) ?? text);
  });
});

describe('the hostile report covers every field a run records', () => {
  const report = conformanceReport(hostile);
  const bench = benchReport(hostile);
  const marked = (value: unknown) => expect(String(value)).toMatch(/^\[\d+\]/);
  const failed = report.checks.find((c) => c.status === 'FAILED' && (c.diagnostics ?? []).length > 0);
  const errored = report.checks.find((c) => c.status === 'ERROR');

  const ratio = report.checks.map((c) => c.evidence.ratio).find((e) => e?.kind === 'ratio');
  const categories = ratio?.kind === 'ratio' ? ratio.verdict.categories : undefined;
  const [freeKey, freeItem] = Object.entries(failed?.evidence ?? {}).at(-4) ?? [];
  const freeValue = freeItem?.kind === 'value' ? freeItem.value : undefined;
  const cases = Object.values(failed?.evidence ?? {}).find((e) => e.kind === 'cases');
  const timeline = Object.values(failed?.evidence ?? {}).find((e) => e.kind === 'timeline');
  const resource = failed?.resources?.[0];
  const diagnostic = failed?.diagnostics?.[0];

  it.each([
    ['got, want and reason', () => [failed?.got, failed?.want, errored?.reason]],
    ['evidence keys and values', () => [freeKey, freeValue]],
    [
      'category and plan names',
      () => [categories?.[0]?.name, ...Object.keys(ratio?.kind === 'ratio' ? ratio.counts : {})],
    ],
    [
      'case tables and timelines',
      () => [
        ...(cases?.kind === 'cases' ? [cases.cases[0]?.label, cases.cases[0]?.got] : [undefined]),
        timeline?.kind === 'timeline' ? timeline.events[0]?.label : undefined,
      ],
    ],
    ['resource kind, name and content', () => [resource?.kind, resource?.name, resource?.content]],
    ['diagnostic titles and content', () => [diagnostic?.title, diagnostic?.content]],
    [
      'run id, mesh, version, platform and harness',
      () => [report.runId, report.mesh.name, report.mesh.version, report.platform, report.harness.version],
    ],
    [
      'capability reasons and the mesh matrix',
      () => [report.capabilities.find((c) => c.reason)?.reason, report.capabilityMatrix?.checks[0]?.id],
    ],
    [
      'benchmark labels',
      () => [
        bench.runId,
        bench.environment.proxy.name,
        bench.environment.cpuModel,
        bench.selfChecks[0]?.got,
        bench.results[0]?.proxies[0]?.name,
        bench.results[2]?.problems[0],
        bench.paths.meshed,
        bench.notes[0],
        bench.referenceNumbers[0],
        bench.testConfig.loadGenerator,
      ],
    ],
  ])('%s', (_what, values) => {
    for (const value of values()) marked(value);
  });
});

describe('junit.xml with hostile strings in every field', () => {
  const errors: string[] = [];
  const parseXml = (xml: string) =>
    new DOMParser({ onError: (level, message) => errors.push(`${level}: ${message}`) }).parseFromString(
      xml,
      'text/xml',
    );
  const report = conformanceReport(hostile);
  const document = parseXml(renderJunit(report));
  const reference = parseXml(renderJunit(conformanceReport(harmless)));
  const elements = (doc: typeof document) =>
    [...doc.getElementsByTagName('*')].map(
      (e) => `${e.tagName}[${[...e.attributes].map((a) => a.name).join(' ')}]`,
    );

  it('is well-formed XML with exactly the elements and attributes of the harmless report', () => {
    expect(errors).toEqual([]);
    expect(elements(document)).toEqual(elements(reference));
    expect(document.getElementsByTagName('testcase')).toHaveLength(report.checks.length);
  });

  it('keeps what was recorded, less the characters XML cannot carry', () => {
    const xmlText = (text: string) =>
      text.replace(/\r\n?/g, '\n').replace(/[^\t\n\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '');
    const index = report.checks.findIndex((c) => c.status === 'FAILED');
    const failed = report.checks[index];
    const failure = document.getElementsByTagName('testcase')[index]?.getElementsByTagName('failure')[0];
    expect(failure?.textContent).toBe(xmlText(`want: ${failed?.want}\ngot: ${failed?.got}`));
    // Attribute values are normalised by every XML parser: line ends and tabs read as spaces.
    expect(failure?.getAttribute('message')).toBe(xmlText(failed?.got ?? '').replace(/[\t\n]/g, ' '));
  });
});

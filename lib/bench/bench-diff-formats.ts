import { markdownCell } from '../text/markdown-escape.ts';
import { terminalText } from '../text/terminal-escape.ts';
import type { BenchDiff, BenchOverheadDiff, BenchPointDiff, BenchRunReference } from './bench-diff.ts';

/**
 * The two renderings of a benchmark comparison (pure): the table the CLI prints and diff.md for
 * a CI job summary. diff.json is the BenchDiff itself.
 */

const ms = (value: number | null) => (value === null ? '–' : value.toFixed(3));
const signed = (value: number | null) =>
  value === null ? '–' : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const whole = (value: number | null, unit: string) => (value === null ? '–' : `${value.toFixed(0)} ${unit}`);
const mib = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} MiB`);

function headline(diff: BenchDiff): string {
  const limit = pct(diff.threshold);
  const compared = diff.points.filter((p) => p.agrees !== null);
  const differing = compared.filter((p) => p.agrees === false);
  if (diff.verdict === 'NOTHING_COMPARED')
    return 'NOTHING COMPARED: no point has a valid latency in both runs';
  if (diff.verdict === 'AGREE') return `AGREE: the p50 of all ${compared.length} points within ${limit}`;
  return `DIFFER: ${differing.length} of ${compared.length} points moved by more than ${limit} at p50`;
}

/** A run in one line, each value made safe by `safe` (for the terminal or for Markdown). */
function runLine(run: BenchRunReference, safe: (text: string) => string): string {
  const proxy = run.proxy === run.meshVersion ? '' : ` (${safe(run.proxy)})`;
  return `${safe(run.runId)} · ${safe(run.mesh)} ${safe(run.meshVersion)}${proxy} · ${safe(run.platform)} · ${safe(run.machine)} · self-checks ${run.passed ? 'passed' : 'FAILED'}`;
}

function agreement(point: BenchPointDiff, threshold: number): string {
  if (point.relative === null) return 'not compared (invalid or not measured in a run)';
  return `${pct(point.relative)} ${point.agrees ? 'within' : 'BEYOND'} ${pct(threshold)}`;
}

function pointCells(point: BenchPointDiff, threshold: number): string[] {
  return [
    String(point.targetRps),
    point.mode,
    ms(point.base),
    ms(point.candidate),
    agreement(point, threshold),
  ];
}

function overheadCells(o: BenchOverheadDiff): string[] {
  const added = (side: BenchOverheadDiff['base']) =>
    side ? `${signed(side.p50)} / ${signed(side.p90)} / ${signed(side.p99)}` : 'invalid';
  return [
    String(o.targetRps),
    added(o.base),
    added(o.candidate),
    `${whole(o.proxyCpuMillicores.base, 'm')} → ${whole(o.proxyCpuMillicores.candidate, 'm')}`,
    `${mib(o.proxyMemoryMiB.base)} → ${mib(o.proxyMemoryMiB.candidate)}`,
  ];
}

const pointHeader = ['rate', 'mode', 'base p50 (ms)', 'candidate p50 (ms)', 'difference'];
const overheadHeader = [
  'rate',
  'base added p50 / p90 / p99 (ms)',
  'candidate added p50 / p90 / p99 (ms)',
  'proxies CPU',
  'largest proxy RSS',
];

function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

/** The table the CLI prints (plain text, fixed-width columns). */
export function renderBenchDiffTable(diff: BenchDiff): string {
  return [
    `meshproof diff (benchmarks): ${headline(diff)}`,
    `  base       ${runLine(diff.base, terminalText)}`,
    `  candidate  ${runLine(diff.candidate, terminalText)}`,
    ...diff.notes.map((note) => `  note: ${terminalText(note)}`),
    '',
    ...columns([pointHeader, ...diff.points.map((p) => pointCells(p, diff.threshold))]),
    '',
    ...columns([overheadHeader, ...diff.overhead.map(overheadCells)]),
    '',
  ].join('\n');
}

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** diff.md: the comparison as a page (pure). */
export function renderBenchDiffMarkdown(diff: BenchDiff): string {
  return [
    '# meshproof diff: sidecar-overhead benchmarks',
    '',
    `**${headline(diff)}**`,
    '',
    `- base: ${runLine(diff.base, markdownCell)}`,
    `- candidate: ${runLine(diff.candidate, markdownCell)}`,
    ...diff.notes.map((note) => `- note: ${markdownCell(note)}`),
    '',
    '## p50 latency per point',
    '',
    markdownTable(
      pointHeader,
      diff.points.map((p) => pointCells(p, diff.threshold)),
    ),
    '',
    '## What the mesh adds',
    '',
    markdownTable(overheadHeader, diff.overhead.map(overheadCells)),
    '',
  ].join('\n');
}

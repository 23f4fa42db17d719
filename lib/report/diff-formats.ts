import { markdownCell, markdownCode } from '../text/markdown-escape.ts';
import { terminalText as plain } from '../text/terminal-escape.ts';
import type { CheckChangeKind, CheckDiff, ReportDiff, RunReference } from './diff-reports.ts';
import { formatProbability } from './html-text.ts';

/**
 * The two renderings of a report diff (pure): the table the CLI prints and diff.md for a CI job
 * summary. diff.json is the ReportDiff itself.
 */

const kindLabels: Readonly<Record<CheckChangeKind, string>> = {
  regression: 'regression',
  'support-lost': 'support lost',
  fix: 'fix',
  'support-gained': 'support gained',
  'status-changed': 'status changed',
  added: 'added',
  removed: 'removed',
  unchanged: 'unchanged',
};

const plural = (n: number, word: string, words = `${word}s`) => `${n} ${n === 1 ? word : words}`;

/** "6 regressions, 0 fixes, …": every count, in gate order. */
export function describeDiffCounts(diff: ReportDiff): string {
  const c = diff.counts;
  return [
    plural(c.regression, 'regression'),
    plural(c['support-lost'], 'support lost', 'support lost'),
    plural(c.fix, 'fix', 'fixes'),
    plural(c['support-gained'], 'support gained', 'support gained'),
    plural(c['status-changed'], 'other status change'),
    `${c.added} added`,
    `${c.removed} removed`,
    `${c.unchanged} unchanged`,
  ].join(', ');
}

const status = (check: CheckDiff, which: 'base' | 'candidate') => check[which]?.status ?? 'absent';

/** Checks worth listing: every change, and unchanged checks whose evidence moved. */
function listed(diff: ReportDiff): CheckDiff[] {
  return diff.checks.filter((c) => c.kind !== 'unchanged' || c.shifts.length > 0);
}

function runLine(label: string, run: RunReference): string {
  return `  ${label.padEnd(10)} ${plain(run.runId)}  ${plain(run.mesh.name)} ${plain(run.mesh.version)} · ${plain(run.platform)} · ${run.verdict} (${run.summary.passed} passed, ${run.summary.failed} failed, ${run.summary.errored} errored, ${run.summary.notSupported} not supported)`;
}

/** The table the CLI prints (plain text, fixed-width columns). */
export function renderDiffTable(diff: ReportDiff): string {
  const lines = [
    `meshproof diff: ${diff.verdict === 'REGRESSED' ? `REGRESSED (${plural(diff.counts.regression, 'regression')})` : 'no regression'}`,
    runLine('base', diff.base),
    runLine('candidate', diff.candidate),
    ...diff.notes.map((note) => `  note: ${plain(note)}`),
    '',
  ];
  const rows = listed(diff);
  if (rows.length === 0) {
    lines.push('  no check changed status and no figure moved notably');
  } else {
    const idWidth = Math.max(5, ...rows.map((r) => plain(r.id).length));
    lines.push(`  ${'change'.padEnd(15)} ${'check'.padEnd(idWidth)}  base → candidate`);
    for (const row of rows) {
      lines.push(
        `  ${kindLabels[row.kind].padEnd(15)} ${plain(row.id).padEnd(idWidth)}  ${status(row, 'base')} → ${status(row, 'candidate')}`,
      );
      const indent = ' '.repeat(18);
      if ((row.kind === 'regression' || row.kind === 'status-changed') && row.candidate) {
        lines.push(
          `${indent}want: ${plain(row.candidate.want)}`,
          `${indent}got:  ${plain(row.candidate.got)}`,
        );
      }
      if (row.kind === 'support-lost' && row.candidate?.reason)
        lines.push(`${indent}reason: ${plain(row.candidate.reason)}`);
      for (const shift of row.shifts) lines.push(`${indent}shift: ${plain(shift.description)}`);
    }
  }
  for (const capability of diff.capabilities) {
    lines.push(
      `  capability ${plain(capability.feature)}: ${supportWord(capability.base)} → ${supportWord(capability.candidate)}`,
    );
  }
  for (const shift of diff.runShifts) lines.push(`  run: ${plain(shift.description)}`);
  lines.push('', describeDiffCounts(diff));
  return `${lines.join('\n')}\n`;
}

function supportWord(supported: boolean | null): string {
  return supported === null ? 'absent' : supported ? 'supported' : 'not supported';
}

function section(title: string, header: string, rows: readonly string[]): string[] {
  if (rows.length === 0) return [];
  return ['', `### ${title} (${rows.length})`, '', header, header.replace(/[^|]+/g, ' --- '), ...rows];
}

/** diff.md: the comparison as Markdown for a CI job summary (link-free). */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const { base, candidate } = diff;
  const cell = markdownCell;
  const run = (r: RunReference) => [
    markdownCode(r.runId),
    `${cell(r.mesh.name)} ${cell(r.mesh.version)}`,
    cell(r.platform),
    r.verdict,
    `${r.summary.passed} / ${r.summary.failed} / ${r.summary.errored} / ${r.summary.notSupported} / ${r.summary.skipped}`,
    formatProbability(r.falseFailureBound),
  ];
  const b = run(base);
  const c = run(candidate);
  const rowNames = [
    'run',
    'mesh',
    'platform',
    'verdict',
    'passed / failed / errored / not supported / skipped',
    'false-failure bound',
  ];
  const lines = [
    `## ${diff.verdict === 'REGRESSED' ? `❌ meshproof diff: ${plural(diff.counts.regression, 'regression')}` : '✅ meshproof diff: no regression'}`,
    '',
    describeDiffCounts(diff),
    '',
    '| | base | candidate |',
    '| --- | --- | --- |',
    ...rowNames.map((name, i) => `| ${name} | ${b[i] ?? ''} | ${c[i] ?? ''} |`),
  ];
  if (diff.notes.length > 0) lines.push('', ...diff.notes.map((note) => `> Note: ${cell(note)}`));
  const byKind = (kind: CheckChangeKind) => diff.checks.filter((check) => check.kind === kind);
  const transition = (check: CheckDiff) => `${status(check, 'base')} → ${status(check, 'candidate')}`;
  lines.push(
    ...section(
      'Regressions',
      '| check | base → candidate | want | got now |',
      byKind('regression').map(
        (check) =>
          `| ${markdownCode(check.id)} | ${transition(check)} | ${cell(check.candidate?.want ?? '')} | ${cell(check.candidate?.got ?? '')} |`,
      ),
    ),
    ...section('Support changes', '| check | base → candidate | reason |', [
      ...byKind('support-lost').map(
        (check) =>
          `| ${markdownCode(check.id)} | ${transition(check)} | ${cell(check.candidate?.reason ?? '')} |`,
      ),
      ...byKind('support-gained').map(
        (check) =>
          `| ${markdownCode(check.id)} | ${transition(check)} | ${cell(check.base?.reason ? `was: ${check.base.reason}` : '')} |`,
      ),
    ]),
    ...section(
      'Capability changes',
      '| feature | base → candidate | reason |',
      diff.capabilities.map(
        (capability) =>
          `| ${cell(capability.feature)} | ${supportWord(capability.base)} → ${supportWord(capability.candidate)} | ${cell(capability.reason ?? '')} |`,
      ),
    ),
    ...section(
      'Fixes',
      '| check | base → candidate | got now |',
      byKind('fix').map(
        (check) =>
          `| ${markdownCode(check.id)} | ${transition(check)} | ${cell(check.candidate?.got ?? '')} |`,
      ),
    ),
    ...section(
      'Other changes',
      '| check | change | base → candidate |',
      [...byKind('status-changed'), ...byKind('added'), ...byKind('removed')].map(
        (check) => `| ${markdownCode(check.id)} | ${kindLabels[check.kind]} | ${transition(check)} |`,
      ),
    ),
    ...section('Evidence shifts', '| check | shift |', [
      ...diff.checks.flatMap((check) =>
        check.shifts.map((shift) => `| ${markdownCode(check.id)} | ${cell(shift.description)} |`),
      ),
      ...diff.runShifts.map((shift) => `| (whole run) | ${cell(shift.description)} |`),
    ]),
    '',
  );
  return lines.join('\n');
}

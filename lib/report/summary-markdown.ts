import type { CheckResult } from '../model/verdict.ts';
import { markdownCode as code, markdownCell } from '../text/markdown-escape.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { evidenceLines } from './evidence-text.ts';
import { formatDuration, formatProbability, formatTimestamp } from './html-text.ts';

/**
 * summary.md: a short Markdown summary for a CI job summary (GitHub's $GITHUB_STEP_SUMMARY,
 * GitLab and Buildkite annotations). Link-free, so it reads the same wherever it is pasted.
 */

function failedTable(checks: readonly CheckResult[]): string[] {
  return [
    '| check | status | want | got |',
    '| --- | --- | --- | --- |',
    ...checks.map(
      (c) =>
        `| ${code(c.id)} | ${c.status} | ${markdownCell(c.want)} | ${markdownCell(c.reason && !c.got.includes(c.reason) ? `${c.got} (${c.reason})` : c.got)} |`,
    ),
  ];
}

/** Renders the CI summary of a report (pure). */
export function renderSummaryMarkdown(report: ConformanceReport): string {
  const s = report.summary;
  const mark = report.verdict === 'PASSED' ? '✅' : report.verdict === 'INTERRUPTED' ? '⏹️' : '❌';
  const failing = report.checks.filter((c) => c.status === 'FAILED' || c.status === 'ERROR');
  const unsupported = report.checks.filter((c) => c.status === 'NOT_SUPPORTED');
  const lines = [
    `## ${mark} meshproof ${report.verdict}: ${markdownCell(report.mesh.name)} ${markdownCell(report.mesh.version)} on ${markdownCell(report.platform)}`,
    '',
    `**${s.passed} passed, ${s.failed} failed, ${s.errored} errored, ${s.notSupported} not supported, ${s.skipped} skipped** of ${s.total} checks · false-failure bound ${formatProbability(report.falseFailureBound)}`,
    '',
    `Run ${code(report.runId)} · ${formatTimestamp(report.startedAt)} · ${formatDuration(report.durationMs)} · meshproof ${markdownCell(report.harness.version)}${report.config.only.length > 0 ? ` · only ${code(report.config.only.join(','))}` : ''}`,
  ];
  if (report.interruption) {
    const { signal, completed, selected } = report.interruption;
    lines.push(
      '',
      `> **Interrupted by ${signal} after ${completed} of ${selected} checks.** This is not a verdict on the mesh: the checks below are those that completed; the others are listed as skipped in report.json.`,
    );
  }
  if (report.config.defects.length > 0) {
    lines.push(
      '',
      `> Deliberate defects injected: ${markdownCell(report.config.defects.join(', '))}. This run proves the checks catch them.`,
    );
  }
  if (failing.length > 0) {
    const title = s.errored > 0 ? 'Failed and errored checks' : 'Failed checks';
    lines.push('', `### ${title} (${failing.length})`, '', ...failedTable(failing));
    const withEvidence = failing.filter((c) => Object.keys(c.evidence).length > 0);
    if (withEvidence.length > 0) {
      lines.push('', '**Evidence**', '');
      for (const check of withEvidence) {
        lines.push(`- ${code(check.id)}: ${evidenceLines(check.evidence).map(markdownCell).join(' · ')}`);
      }
    }
  }
  if (unsupported.length > 0) {
    lines.push(
      '',
      `### Not supported (${unsupported.length})`,
      '',
      ...unsupported.map((c) => `- ${code(c.id)}: ${markdownCell(c.reason ?? c.got)}`),
    );
  }
  lines.push(
    '',
    'Evidence, charts, the configuration applied and diagnostics: report.html in the run folder.',
    '',
  );
  return lines.join('\n');
}

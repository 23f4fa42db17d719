import type { CheckResult } from '../model/verdict.ts';
import type { ConformanceReport } from './conformance-report.ts';
import type { CheckDiff, ReportDiff } from './diff-reports.ts';
import { evidenceLines } from './evidence-text.ts';

/**
 * GitHub Actions annotations of a run (pure): each failed or errored check becomes an error
 * annotation with what was wanted and what was seen, a regression against the baseline says so
 * first, and one notice closes with the run's verdict. Printed to a step's stdout as workflow
 * commands (`::error title=…::message`), the runner shows them on the job's summary page.
 */

/** The severity of an annotation, as the workflow command is named. */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** One annotation: a title (one line) and a message (may span lines). */
export interface Annotation {
  readonly level: AnnotationLevel;
  readonly title: string;
  readonly message: string;
}

/**
 * Escapes a command's message as the runner unescapes it (actions/toolkit
 * packages/core/src/command.ts `escapeData`): `%`, CR and LF. Without it, a LF in a `got` would end
 * the command and could start another.
 */
export function escapeCommandData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a command's property value (`escapeProperty`): as data, and also `:` and `,`. */
export function escapeCommandProperty(text: string): string {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The workflow command line of one annotation. */
export function formatWorkflowCommand(annotation: Annotation): string {
  return `::${annotation.level} title=${escapeCommandProperty(annotation.title)}::${escapeCommandData(annotation.message)}`;
}

function checkMessage(check: CheckResult, regression: CheckDiff | undefined, baseRunId?: string): string {
  const lines = [
    ...(regression?.base
      ? [`regression: ${regression.base.status} in ${baseRunId}, ${check.status} now`]
      : []),
    check.description,
    `want: ${check.want}`,
    `got: ${check.got}`,
    ...(check.reason ? [`reason: ${check.reason}`] : []),
    ...evidenceLines(check.evidence).map((line) => `evidence ${line}`),
  ];
  return lines.join('\n');
}

/**
 * The annotations of a run, regressions first: an error for each FAILED or ERROR check (marked as
 * a regression when `diff`, the comparison with the baseline, says it passed there), a warning
 * for each check whose feature the mesh no longer supports, and a closing notice with the verdict.
 */
export function reportAnnotations(report: ConformanceReport, diff?: ReportDiff): Annotation[] {
  const changes = new Map((diff?.checks ?? []).map((c) => [c.id, c]));
  const where = `${report.mesh.name} ${report.mesh.version} on ${report.platform}`;
  const failed = report.checks.filter((c) => c.status === 'FAILED' || c.status === 'ERROR');
  const isRegression = (check: CheckResult) => changes.get(check.id)?.kind === 'regression';
  const errors = [...failed.filter(isRegression), ...failed.filter((c) => !isRegression(c))].map(
    (check): Annotation => {
      const regression = isRegression(check) ? changes.get(check.id) : undefined;
      return {
        level: 'error',
        title: `${check.id} ${check.status}${regression ? ' (regression)' : ''} · ${where}`,
        message: checkMessage(check, regression, diff?.base.runId),
      };
    },
  );
  const supportLost = (diff?.checks ?? [])
    .filter((c) => c.kind === 'support-lost')
    .map(
      (c): Annotation => ({
        level: 'warning',
        title: `${c.id} no longer supported · ${where}`,
        message: `${c.base?.status} in ${diff?.base.runId}, NOT_SUPPORTED now: ${c.candidate?.reason ?? ''}`,
      }),
    );
  const s = report.summary;
  const comparison = diff
    ? diff.verdict === 'REGRESSED'
      ? ` · ${diff.counts.regression} regression(s) against ${diff.base.runId}`
      : ` · no regression against ${diff.base.runId}`
    : '';
  const closing: Annotation = {
    level: 'notice',
    title: `meshproof ${report.verdict} · ${where}`,
    message: `${s.passed} passed, ${s.failed} failed, ${s.errored} errored, ${s.notSupported} not supported, ${s.skipped} skipped · run ${report.runId}${comparison}`,
  };
  return [...errors, ...supportLost, closing];
}

/** The workflow commands of {@link reportAnnotations}, one per line. */
export function renderGithubAnnotations(report: ConformanceReport, diff?: ReportDiff): string {
  return `${reportAnnotations(report, diff).map(formatWorkflowCommand).join('\n')}\n`;
}

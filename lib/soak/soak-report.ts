import type { CheckResult, CheckStatus } from '../model/index.ts';
import type { MachineLoad } from './machine-load.ts';

/** One run of the suite in a soak, as the soak saw it. */
export interface SoakRunInput {
  /** Folder of the run's reports, relative to the soak's folder (`run-01`). */
  readonly folder: string;
  readonly runId: string;
  readonly wallMs: number;
  readonly load: MachineLoad;
  readonly checks: readonly CheckResult[];
}

/** One run in `soak.json`. */
export interface SoakRun {
  readonly index: number;
  readonly folder: string;
  readonly runId: string;
  readonly wallMs: number;
  readonly load: MachineLoad;
  /** Checks that FAILED or ERRORed: on the conformant mesh, every one is a false failure. */
  readonly falseFailures: readonly string[];
}

/** One check across the soak's runs. */
export interface SoakCheck {
  readonly id: string;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  /** Runs (1-based) in which the check FAILED or ERRORed. */
  readonly failedRuns: readonly number[];
  /** What the last false failure said, to start the diagnosis from. */
  readonly lastFailure?: { readonly run: number; readonly status: CheckStatus; readonly got: string };
}

/** `reports/soak/<soak-id>/soak.json`: the suite run again and again on the conformant mesh. */
export interface SoakReport {
  readonly kind: 'SoakReport';
  readonly soakId: string;
  /** False while runs are still to come (the file is rewritten after each run). */
  readonly complete: boolean;
  readonly runsRequested: number;
  readonly stress: { readonly processes: number } | null;
  readonly only: readonly string[];
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly os: string;
    readonly node: string;
  };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly runs: readonly SoakRun[];
  readonly checks: readonly SoakCheck[];
  /** Check results that FAILED or ERRORed, over every run. */
  readonly falseFailures: number;
  readonly wallMs: { readonly min: number; readonly median: number; readonly max: number } | null;
  /** The highest 1-minute load average seen, and the mean CPU busy share of the runs. */
  readonly load: { readonly maxLoadAverage: number; readonly meanCpuBusy: number } | null;
  /** True when every completed run had no false failure. */
  readonly passed: boolean;
}

export interface SoakReportInput {
  readonly soakId: string;
  readonly runsRequested: number;
  readonly stress: SoakReport['stress'];
  readonly only: readonly string[];
  readonly machine: SoakReport['machine'];
  readonly startedAt: Date;
  readonly now: Date;
  readonly runs: readonly SoakRunInput[];
}

const falseFailure = (status: CheckStatus) => status === 'FAILED' || status === 'ERROR';
const statuses: readonly CheckStatus[] = ['PASSED', 'FAILED', 'ERROR', 'NOT_SUPPORTED', 'SKIPPED'];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? 0)
    : Math.round(((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2);
}

/** Aggregates a soak's runs per check and per run (pure). */
export function buildSoakReport(input: SoakReportInput): SoakReport {
  const runs: SoakRun[] = input.runs.map((run, i) => ({
    index: i + 1,
    folder: run.folder,
    runId: run.runId,
    wallMs: Math.round(run.wallMs),
    load: run.load,
    falseFailures: run.checks.filter((c) => falseFailure(c.status)).map((c) => c.id),
  }));
  const ids = [...new Set(input.runs.flatMap((run) => run.checks.map((c) => c.id)))];
  const checks: SoakCheck[] = ids.map((id) => {
    const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<CheckStatus, number>;
    const failedRuns: number[] = [];
    let lastFailure: SoakCheck['lastFailure'];
    input.runs.forEach((run, i) => {
      const result = run.checks.find((c) => c.id === id);
      if (!result) return;
      counts[result.status]++;
      if (falseFailure(result.status)) {
        failedRuns.push(i + 1);
        lastFailure = { run: i + 1, status: result.status, got: result.got };
      }
    });
    return { id, counts, failedRuns, ...(lastFailure ? { lastFailure } : {}) };
  });
  const walls = runs.map((r) => r.wallMs);
  const falseFailures = runs.reduce((n, r) => n + r.falseFailures.length, 0);
  return {
    kind: 'SoakReport',
    soakId: input.soakId,
    complete: runs.length === input.runsRequested,
    runsRequested: input.runsRequested,
    stress: input.stress,
    only: input.only,
    machine: input.machine,
    startedAt: input.startedAt.toISOString(),
    durationMs: input.now.getTime() - input.startedAt.getTime(),
    runs,
    checks,
    falseFailures,
    wallMs:
      walls.length > 0 ? { min: Math.min(...walls), median: median(walls), max: Math.max(...walls) } : null,
    load:
      runs.length > 0
        ? {
            maxLoadAverage: Math.max(...runs.map((r) => r.load.loadAverage.max)),
            meanCpuBusy: Math.round((runs.reduce((n, r) => n + r.load.cpuBusy, 0) / runs.length) * 100) / 100,
          }
        : null,
    passed: falseFailures === 0,
  };
}

const secondsText = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The soak's verdict in one line, as the terminal and soak.md show it. */
export function soakVerdictLine(report: SoakReport): string {
  const runsWithFailures = report.runs.filter((r) => r.falseFailures.length > 0).length;
  const scope = `${report.runs.length}${report.complete ? '' : ` of ${report.runsRequested}`} run(s)${report.stress ? ` under stress (${report.stress.processes} busy processes)` : ''}`;
  const outcome = report.passed
    ? `PASSED: no false failure in ${scope}`
    : `FAILED: ${report.falseFailures} false failure(s) in ${runsWithFailures} of ${scope}`;
  const walls = report.wallMs
    ? ` · wall time per run ${secondsText(report.wallMs.min)}–${secondsText(report.wallMs.max)} (median ${secondsText(report.wallMs.median)})`
    : '';
  const load = report.load
    ? ` · load average up to ${report.load.maxLoadAverage.toFixed(2)}, CPUs ${percent(report.load.meanCpuBusy)} busy`
    : '';
  return `${outcome}${walls}${load}`;
}

/** soak.md: the verdict, the checks that failed, and every run (pure). */
export function renderSoakMarkdown(report: SoakReport): string {
  const failing = report.checks.filter((c) => c.failedRuns.length > 0);
  const lines = [
    `# Soak ${report.soakId}`,
    '',
    `**${soakVerdictLine(report)}**`,
    '',
    `The suite on the conformant reference mesh, ${report.runsRequested} time(s)${report.stress ? `, with every CPU kept busy by ${report.stress.processes} stress processes` : ''}; ${report.machine.cpus} CPU(s) (${report.machine.cpuModel}), ${report.machine.os}, Node ${report.machine.node}. Every FAILED or ERROR is a false failure.`,
    '',
    '## Checks that failed',
    '',
  ];
  if (failing.length === 0) lines.push(`None: every check passed (or is not supported) in every run.`);
  else {
    lines.push('| check | failed | errored | in runs |', '| --- | --- | --- | --- |');
    for (const c of failing) {
      lines.push(`| \`${c.id}\` | ${c.counts.FAILED} | ${c.counts.ERROR} | ${c.failedRuns.join(', ')} |`);
    }
  }
  lines.push(
    '',
    '## Runs',
    '',
    '| run | wall time | load average (start / max / end) | CPUs busy | false failures |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const run of report.runs) {
    const { start, max, end } = run.load.loadAverage;
    lines.push(
      `| [${run.index}](${run.folder}/summary.md) | ${secondsText(run.wallMs)} | ${start.toFixed(2)} / ${max.toFixed(2)} / ${end.toFixed(2)} | ${percent(run.load.cpuBusy)} | ${run.falseFailures.map((id) => `\`${id}\``).join(', ') || 'none'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

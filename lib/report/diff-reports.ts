import { unreachable } from '../model/check.ts';
import type { EvidenceItem } from '../model/evidence.ts';
import type { CheckResult, CheckStatus } from '../model/verdict.ts';
import {
  type ConformanceReport,
  type ReportSummary,
  type ReportVerdict,
  reportApiVersion,
} from './conformance-report.ts';

/**
 * Compares two conformance reports check by check (pure): the gate for pre-upgrade validation.
 * Run the suite on the mesh as it is (BASE) and on the upgraded one (CANDIDATE); any check that
 * passed before and fails or errors now is a regression.
 */

/** How one check changed from BASE to CANDIDATE. Only 'regression' fails the gate. */
export type CheckChangeKind =
  /** PASSED → FAILED or ERROR. */
  | 'regression'
  /** FAILED or ERROR → PASSED. */
  | 'fix'
  /** Ran (PASSED, FAILED, ERROR) → NOT_SUPPORTED: the mesh no longer supports a feature it needs. */
  | 'support-lost'
  /** NOT_SUPPORTED → ran. */
  | 'support-gained'
  /** Only in CANDIDATE (a check new to the suite). */
  | 'added'
  /** Only in BASE (a check no longer in the suite, or not in this report). */
  | 'removed'
  /** Any other change of status, e.g. FAILED → ERROR, PASSED → SKIPPED. */
  | 'status-changed'
  | 'unchanged';

/** Order of kinds in every listing: what blocks an upgrade first. */
export const checkChangeKinds: readonly CheckChangeKind[] = [
  'regression',
  'support-lost',
  'fix',
  'support-gained',
  'status-changed',
  'added',
  'removed',
  'unchanged',
];

/** A figure that moved notably between the runs. */
export interface EvidenceShift {
  /** e.g. `propagationMs`, `latency.p99Ms`, `overhead.p50Ms`. */
  readonly metric: string;
  /** null when the figure was recorded as "never confirmed" (propagation). */
  readonly base: number | null;
  readonly candidate: number | null;
  /** Plain words, e.g. "165 → 330 ms (+100%)". */
  readonly description: string;
}

/** One side of a check's comparison. */
export interface CheckSide {
  readonly status: CheckStatus;
  readonly want: string;
  readonly got: string;
  readonly reason?: string;
  readonly propagationMs?: number | null;
}

/** One check's comparison. */
export interface CheckDiff {
  readonly id: string;
  readonly kind: CheckChangeKind;
  readonly base: CheckSide | null;
  readonly candidate: CheckSide | null;
  readonly shifts: readonly EvidenceShift[];
}

/** A feature whose support changed between the runs' capability matrices. */
export interface CapabilityChange {
  readonly feature: string;
  readonly base: boolean | null;
  readonly candidate: boolean | null;
  readonly reason?: string;
}

/** What identifies a run in a diff. */
export interface RunReference {
  readonly runId: string;
  readonly mesh: { readonly name: string; readonly version: string };
  readonly platform: string;
  readonly harnessVersion: string;
  readonly verdict: ReportVerdict;
  readonly startedAt: string;
  readonly summary: ReportSummary;
  readonly falseFailureBound: number;
}

/** The comparison of two reports, written as diff.json. */
export interface ReportDiff {
  readonly apiVersion: typeof reportApiVersion;
  readonly kind: 'ConformanceReportDiff';
  /** REGRESSED when some check regressed: the upgrade gate fails. */
  readonly verdict: 'REGRESSED' | 'NO_REGRESSION';
  readonly base: RunReference;
  readonly candidate: RunReference;
  /** Differences between the runs that qualify the comparison (other mesh, platform, selection). */
  readonly notes: readonly string[];
  readonly counts: Readonly<Record<CheckChangeKind, number>>;
  readonly capabilities: readonly CapabilityChange[];
  /** Run-level figures that moved notably (median propagation time, duration). */
  readonly runShifts: readonly EvidenceShift[];
  /** Every check of either run, in {@link checkChangeKinds} order, then by id. */
  readonly checks: readonly CheckDiff[];
}

/** When a change of a figure is notable: both thresholds must be crossed. */
export interface ShiftThreshold {
  /** Ratio of the larger to the smaller figure, e.g. 2 for "doubled or halved". */
  readonly factor: number;
  /** Absolute change in the figure's unit (ms for times). */
  readonly absolute: number;
}

/**
 * Thresholds of notable shifts. Propagation times on a loaded machine vary up to about twofold
 * run to run, so only a doubling (or halving) by 200 ms or more counts; latency figures are
 * steadier.
 */
export const shiftThresholds = {
  propagationMs: { factor: 2, absolute: 200 },
  latencyMs: { factor: 1.25, absolute: 50 },
  overhead: { factor: 1.25, absolute: 1 },
  runDurationMs: { factor: 1.5, absolute: 10_000 },
} as const satisfies Record<string, ShiftThreshold>;

const ran = (status: CheckStatus) => status === 'PASSED' || status === 'FAILED' || status === 'ERROR';
const broken = (status: CheckStatus) => status === 'FAILED' || status === 'ERROR';

/** The kind of change between two statuses of one check (null: absent from that run). */
export function classifyChange(base: CheckStatus | null, candidate: CheckStatus | null): CheckChangeKind {
  if (base === null && candidate === null) return 'unchanged';
  if (base === null) return 'added';
  if (candidate === null) return 'removed';
  if (base === candidate) return 'unchanged';
  if (base === 'PASSED' && broken(candidate)) return 'regression';
  if (broken(base) && candidate === 'PASSED') return 'fix';
  if (ran(base) && candidate === 'NOT_SUPPORTED') return 'support-lost';
  if (base === 'NOT_SUPPORTED' && ran(candidate)) return 'support-gained';
  return 'status-changed';
}

function formatFigure(value: number, unit: string): string {
  const rounded = Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded}${unit}`;
}

/** A shift when the change crosses both thresholds, else undefined. */
export function notableShift(
  metric: string,
  base: number,
  candidate: number,
  threshold: ShiftThreshold,
  unit = ' ms',
): EvidenceShift | undefined {
  const change = candidate - base;
  const small = Math.min(Math.abs(base), Math.abs(candidate));
  const large = Math.max(Math.abs(base), Math.abs(candidate));
  const factor = small === 0 ? (large === 0 ? 1 : Number.POSITIVE_INFINITY) : large / small;
  if (Math.abs(change) < threshold.absolute || factor < threshold.factor) return undefined;
  const percent =
    base === 0 ? '' : ` (${change > 0 ? '+' : ''}${Math.round((change / Math.abs(base)) * 100)}%)`;
  return {
    metric,
    base,
    candidate,
    description: `${metric} ${formatFigure(base, '')} → ${formatFigure(candidate, unit)}${percent}`,
  };
}

function propagationShift(base: CheckResult, candidate: CheckResult): EvidenceShift | undefined {
  const before = base.propagationMs;
  const after = candidate.propagationMs;
  if (before === undefined || after === undefined) return undefined;
  if (before === null && after === null) return undefined;
  if (before === null || after === null) {
    return {
      metric: 'propagationMs',
      base: before,
      candidate: after,
      description:
        after === null
          ? `configuration in effect after ${before} ms before, never confirmed now`
          : `configuration never confirmed before, in effect after ${after} ms now`,
    };
  }
  return notableShift('propagationMs', before, after, shiftThresholds.propagationMs);
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Numeric figures under evidence keys that name an overhead (`overhead`, `latencyOverheadMs`,
 * …), flattened to dotted paths; checks measuring the mesh's cost record them there.
 */
export function overheadFigures(evidence: Readonly<Record<string, unknown>>): Map<string, number> {
  const figures = new Map<string, number>();
  const walk = (value: unknown, path: string, inside: boolean, depth: number) => {
    if (typeof value === 'number' && inside && Number.isFinite(value)) figures.set(path, value);
    if (!isRecord(value) || depth > 3) return;
    for (const [key, child] of Object.entries(value)) {
      walk(child, path ? `${path}.${key}` : key, inside || /overhead/i.test(key), depth + 1);
    }
  };
  walk(evidence, '', false, 0);
  return figures;
}

/** A figure of a piece of evidence that `diff` compares between two runs, with how much it may move. */
interface ComparedFigure {
  readonly metric: string;
  readonly value: number;
  readonly threshold: ShiftThreshold;
  readonly unit: string;
}

/** The figures a piece of evidence offers for comparison, by its kind. */
function comparedFigures(name: string, item: EvidenceItem): ComparedFigure[] {
  switch (item.kind) {
    case 'latency':
      return (['p50Ms', 'p99Ms'] as const).map((key) => ({
        metric: `${name}.${key}`,
        value: item.percentiles[key],
        threshold: shiftThresholds.latencyMs,
        unit: ' ms',
      }));
    case 'value':
      return [...overheadFigures({ [name]: item.value })].map(([metric, value]) => ({
        metric,
        value,
        threshold: shiftThresholds.overhead,
        unit: /ms$/i.test(metric) ? ' ms' : '',
      }));
    // How well the driver kept a chaos timeline's schedule: a slower generator is worth seeing.
    case 'timeline':
      return Object.entries(item.schedule ?? {}).map(([stream, k]) => ({
        metric: `${name}.${stream}.p99LagMs`,
        value: k.p99LagMs,
        threshold: shiftThresholds.latencyMs,
        unit: ' ms',
      }));
    // Verdicts, counts and tables: a change there shows in the status, want and got.
    case 'ratio':
    case 'control-arm':
    case 'latencies':
    case 'attempts':
    case 'cases':
    case 'requests':
      return [];
    default:
      return unreachable(item);
  }
}

function evidenceShifts(base: CheckResult, candidate: CheckResult): EvidenceShift[] {
  const shifts: EvidenceShift[] = [];
  const propagation = propagationShift(base, candidate);
  if (propagation) shifts.push(propagation);
  const figures = (check: CheckResult) =>
    Object.entries(check.evidence).flatMap(([name, item]) => comparedFigures(name, item));
  const before = new Map(figures(base).map((f) => [f.metric, f.value]));
  for (const figure of figures(candidate)) {
    const b = before.get(figure.metric);
    if (b === undefined) continue;
    const shift = notableShift(figure.metric, b, figure.value, figure.threshold, figure.unit);
    if (shift) shifts.push(shift);
  }
  return shifts;
}

function side(check: CheckResult | undefined): CheckSide | null {
  if (!check) return null;
  return {
    status: check.status,
    want: check.want,
    got: check.got,
    ...(check.reason !== undefined ? { reason: check.reason } : {}),
    ...(check.propagationMs !== undefined ? { propagationMs: check.propagationMs } : {}),
  };
}

function reference(report: ConformanceReport): RunReference {
  return {
    runId: report.runId,
    mesh: report.mesh,
    platform: report.platform,
    harnessVersion: report.harness.version,
    verdict: report.verdict,
    startedAt: report.startedAt,
    summary: report.summary,
    falseFailureBound: report.falseFailureBound,
  };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function medianPropagation(report: ConformanceReport, ids: ReadonlySet<string>): number | undefined {
  return median(
    report.checks
      .filter((c) => ids.has(c.id) && typeof c.propagationMs === 'number')
      .map((c) => c.propagationMs as number),
  );
}

function notesFor(base: ConformanceReport, candidate: ConformanceReport): string[] {
  const notes: string[] = [];
  for (const [label, report] of [
    ['base', base],
    ['candidate', candidate],
  ] as const) {
    if (report.interruption) {
      const { signal, completed, selected } = report.interruption;
      notes.push(
        `the ${label} run was interrupted by ${signal} after ${completed} of ${selected} checks: the checks it did not reach are compared as SKIPPED`,
      );
    }
  }
  if (base.mesh.name !== candidate.mesh.name)
    notes.push(`different meshes: ${base.mesh.name} → ${candidate.mesh.name}`);
  else if (base.mesh.version !== candidate.mesh.version)
    notes.push(`mesh version ${base.mesh.version} → ${candidate.mesh.version}`);
  if (base.platform !== candidate.platform)
    notes.push(`different platforms: ${base.platform} → ${candidate.platform}`);
  if (base.harness.version !== candidate.harness.version)
    notes.push(
      `different meshproof versions: ${base.harness.version} → ${candidate.harness.version} (checks may have changed)`,
    );
  const selection = (r: ConformanceReport) => (r.config.only.length > 0 ? r.config.only.join(',') : 'all');
  if (selection(base) !== selection(candidate))
    notes.push(`different check selections: ${selection(base)} → ${selection(candidate)}`);
  const defects = (r: ConformanceReport) =>
    r.config.defects.length > 0 ? r.config.defects.join(',') : 'none';
  if (defects(base) !== defects(candidate))
    notes.push(`different deliberate defects: ${defects(base)} → ${defects(candidate)}`);
  if (base.runId === candidate.runId) notes.push('both reports are of the same run');
  return notes;
}

function capabilityChanges(base: ConformanceReport, candidate: ConformanceReport): CapabilityChange[] {
  const before = new Map(base.capabilities.map((c) => [c.feature as string, c]));
  const after = new Map(candidate.capabilities.map((c) => [c.feature as string, c]));
  const features = [...new Set([...before.keys(), ...after.keys()])];
  const changes: CapabilityChange[] = [];
  for (const feature of features) {
    const b = before.get(feature);
    const a = after.get(feature);
    if (b && a && b.supported === a.supported) continue;
    const reason = a?.reason ?? b?.reason;
    changes.push({
      feature,
      base: b?.supported ?? null,
      candidate: a?.supported ?? null,
      ...(reason !== undefined ? { reason } : {}),
    });
  }
  return changes;
}

/** Compares BASE and CANDIDATE check by check (pure). */
export function diffReports(base: ConformanceReport, candidate: ConformanceReport): ReportDiff {
  const before = new Map(base.checks.map((c) => [c.id, c]));
  const after = new Map(candidate.checks.map((c) => [c.id, c]));
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  const checks: CheckDiff[] = ids.map((id) => {
    const b = before.get(id);
    const a = after.get(id);
    return {
      id,
      kind: classifyChange(b?.status ?? null, a?.status ?? null),
      base: side(b),
      candidate: side(a),
      shifts: b && a ? evidenceShifts(b, a) : [],
    };
  });
  const rank = (kind: CheckChangeKind) => checkChangeKinds.indexOf(kind);
  checks.sort((x, y) => rank(x.kind) - rank(y.kind) || x.id.localeCompare(y.id));
  const counts = Object.fromEntries(checkChangeKinds.map((kind) => [kind, 0])) as Record<
    CheckChangeKind,
    number
  >;
  for (const check of checks) counts[check.kind]++;

  const runShifts: EvidenceShift[] = [];
  const common = new Set(ids.filter((id) => before.has(id) && after.has(id)));
  const propagationBefore = medianPropagation(base, common);
  const propagationAfter = medianPropagation(candidate, common);
  if (propagationBefore !== undefined && propagationAfter !== undefined) {
    const shift = notableShift(
      'median propagationMs',
      propagationBefore,
      propagationAfter,
      shiftThresholds.propagationMs,
    );
    if (shift) runShifts.push(shift);
  }
  const duration = notableShift(
    'durationMs',
    base.durationMs,
    candidate.durationMs,
    shiftThresholds.runDurationMs,
  );
  if (duration) runShifts.push(duration);

  return {
    apiVersion: reportApiVersion,
    kind: 'ConformanceReportDiff',
    verdict: counts.regression > 0 ? 'REGRESSED' : 'NO_REGRESSION',
    base: reference(base),
    candidate: reference(candidate),
    notes: notesFor(base, candidate),
    counts,
    capabilities: capabilityChanges(base, candidate),
    runShifts,
    checks,
  };
}

import type { LatencyBucket, LatencySummary, RatioVerdict, SamplingPlan } from '../stats/index.ts';

/**
 * The evidence behind a verdict, each piece named and carrying its kind. Every renderer (report.html,
 * summary.md, CI annotations, `meshproof diff`) dispatches on `kind` with an exhaustive switch: a
 * new kind fails to compile until each of them says how to show it. report.json's schema
 * validates each kind's shape.
 */
export type Evidence = Readonly<Record<string, EvidenceItem>>;

export type EvidenceItem =
  | RatioEvidence
  | ControlArmEvidence
  | LatencyEvidence
  | LatenciesEvidence
  | AttemptsEvidence
  | CasesEvidence
  | TimelineEvidence
  | RequestsEvidence
  | ValueEvidence;

export type EvidenceKind = EvidenceItem['kind'];

/** Every kind, in the order renderers list them. */
export const evidenceKinds = [
  'ratio',
  'control-arm',
  'latency',
  'latencies',
  'attempts',
  'cases',
  'timeline',
  'requests',
  'value',
] as const satisfies readonly EvidenceKind[];
// Fails to compile when a kind is missing from the list above.
const everyKindListed: [Exclude<EvidenceKind, (typeof evidenceKinds)[number]>] extends [never]
  ? true
  : never = true;
void everyKindListed;

/** Shares per category judged against targets (sequential equivalence test), with the raw counts. */
export interface RatioEvidence {
  readonly kind: 'ratio';
  readonly verdict: RatioVerdict;
  /** Requests per category, also those without a target (they count towards the total). */
  readonly counts: Readonly<Record<string, number>>;
  readonly sampling: SamplingPlan;
}

/** One arm of a control-arm comparison: requests, those showing the effect, those that failed, and the rate's interval. */
export interface ArmCount {
  readonly requests: number;
  readonly affected: number;
  readonly failed: number;
}

/** An effect's share judged against an interleaved control arm (the delay fault under load). */
export interface ControlledRatioVerdict {
  readonly decision: 'PASS' | 'FAIL' | 'CONTINUE';
  readonly reason:
    | 'within-tolerance'
    | 'outside-tolerance'
    | 'need-more-samples'
    | 'inconclusive'
    | 'failures';
  readonly target: number;
  readonly tolerance: number;
  readonly alpha: number;
  readonly perIntervalAlpha: number;
  readonly look: number;
  readonly maxLooks: number;
  readonly scoped: ArmCount & { readonly lower: number; readonly upper: number };
  readonly control: ArmCount & { readonly lower: number; readonly upper: number };
  /** The effect's share, estimated and as a simultaneous interval. */
  readonly estimate: number | null;
  readonly lower: number;
  readonly upper: number;
}

export interface ControlArmEvidence {
  readonly kind: 'control-arm';
  readonly verdict: ControlledRatioVerdict;
  readonly arms: { readonly scoped: string; readonly control: string };
}

/** A time a latency chart marks, e.g. a configured timeout. */
export interface LatencyMark {
  readonly label: string;
  readonly ms: number;
}

/** A latency distribution against the band a check expected (percentiles, coarse buckets, HdrHistogram). */
export interface LatencyEvidence {
  readonly kind: 'latency';
  readonly band: { readonly fromMs: number; readonly toMs: number };
  readonly percentiles: LatencySummary;
  readonly buckets: readonly LatencyBucket[];
  /** The encoded HdrHistogram, for finer charts. */
  readonly histogram?: string;
  /** One line: min / p50 / max. */
  readonly summary: string;
  /** Times the check configured (timeouts), drawn on the chart. */
  readonly marks: readonly LatencyMark[];
}

/** Latencies of a few requests, one value each. */
export interface LatenciesEvidence {
  readonly kind: 'latencies';
  readonly valuesMs: readonly number[];
  readonly marks: readonly LatencyMark[];
}

/** Attempts the servers saw per request, per traffic plan. */
export interface AttemptsEvidence {
  readonly kind: 'attempts';
  readonly byTraffic: Readonly<Record<string, readonly number[]>>;
}

/** One row of a case table: what a case wanted and what it got. */
export interface EvidenceCase {
  readonly label: string;
  readonly want: string;
  readonly got: string;
  readonly ok: boolean;
}

/** A case table (the security checks': one row per caller, method and path). */
export interface CasesEvidence {
  readonly kind: 'cases';
  readonly cases: readonly EvidenceCase[];
}

/** Something that happened during a check, at a time from the check's start. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly label: string;
}

/** Requests of one stream scheduled in one bucket of time, by outcome class (`ok`, `503`, `refused`, …). */
export interface TimelineBucket {
  readonly atMs: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

/** A steady-state hypothesis on one window of one stream: its success ratio's interval against a floor. */
export interface TimelineWindow {
  readonly stream: string;
  readonly window: 'before' | 'during' | 'after';
  readonly fromMs: number;
  readonly toMs: number;
  readonly requests: number;
  /** Requests the hypothesis counts as good (for a policy probe: refused ones). */
  readonly ok: number;
  /** Interval of the good share (Wilson, 99%). */
  readonly lower: number;
  readonly upper: number;
  readonly floor: number;
  /** False when the interval lies wholly below the floor. */
  readonly held: boolean;
}

/**
 * What happened when during a check: the chaos actions, and (for a chaos timeline) what each
 * stream saw per bucket of time, the windows judged, and how well the driver kept its schedule.
 */
export interface TimelineEvidence {
  readonly kind: 'timeline';
  readonly events: readonly TimelineEvent[];
  readonly durationMs?: number;
  readonly bucketMs?: number;
  readonly streams?: Readonly<Record<string, readonly TimelineBucket[]>>;
  readonly windows?: readonly TimelineWindow[];
  readonly schedule?: Readonly<Record<string, ScheduleKeeping>>;
}

/** Requests sent per traffic plan (the runner adds it to every judged check). */
export interface RequestsEvidence {
  readonly kind: 'requests';
  readonly byTraffic: Readonly<Record<string, number>>;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A figure a judge recorded as it is (a count, a setting, a short list). */
export interface ValueEvidence {
  readonly kind: 'value';
  readonly value: JsonValue;
}

/** Named figures as value evidence: `values({ served, total })`. */
export function values(fields: Readonly<Record<string, JsonValue>>): Record<string, ValueEvidence> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, { kind: 'value', value }]));
}

/** Attempts per traffic plan. */
export function attempts(byTraffic: Readonly<Record<string, readonly number[]>>): AttemptsEvidence {
  return { kind: 'attempts', byTraffic };
}

/** How well a stream's requests kept their schedule. */
export interface ScheduleKeeping {
  readonly ratePerS: number;
  readonly scheduled: number;
  readonly sent: number;
  /** Not sent because the stream's in-flight cap was reached (the driver could not keep up). */
  readonly dropped: number;
  /** Requests sent per second between the first and the last scheduled time. */
  readonly achievedRatePerS: number;
  readonly p50LagMs: number;
  readonly p99LagMs: number;
  readonly maxLagMs: number;
  /** The longest time without a request sent, from the timeline's zero to its end: what the stream did not observe. */
  readonly maxGapMs: number;
}

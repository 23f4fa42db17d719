import type { ChaosAction } from './chaos-action.ts';
import type { ScheduleKeeping, TimelineEvidence } from './evidence.ts';
import type { JudgeContext } from './judge-context.ts';
import type { Observation, TrafficPlan } from './traffic.ts';
import type { Judgement } from './verdict.ts';

/**
 * Requests sent at a constant arrival rate for the whole timeline, open loop: each is sent at its
 * scheduled time whether or not the earlier ones have returned, so a server that slows down or
 * hangs cannot slow the client down and hide its errors (no coordinated omission).
 */
export interface SteadyStream {
  /** What each request is (caller, service, path, steering); `requests` and `concurrency` are not used. */
  readonly plan: TrafficPlan;
  /** Arrivals per second. */
  readonly ratePerS: number;
}

/** When a timeline action fires: at a time from the timeline's start, or once a stream has sent N requests. */
export type ActionTime =
  | { readonly atMs: number }
  | { readonly afterRequests: number; readonly stream: string };

/** One action of a timeline. */
export interface TimedAction {
  readonly when: ActionTime;
  readonly action: ChaosAction;
  /** How the report names it, e.g. `kill server-v1's proxy`. */
  readonly label: string;
}

/** `at('1.5s')`, `at('300ms')`: an action time as a check declares it. */
export function at(time: `${number}s` | `${number}ms`): ActionTime {
  const ms = time.endsWith('ms') ? Number(time.slice(0, -2)) : Number(time.slice(0, -1)) * 1000;
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`not a time: ${time}`);
  return { atMs: ms };
}

/**
 * A check's chaos timeline: steady streams for `durationMs`, actions fired while they flow, every
 * request and action on one monotonic clock, and a pure judge of the record.
 */
export interface ChaosTimeline<Streams extends string = string> {
  readonly streams: Readonly<Record<Streams, SteadyStream>>;
  /** The streams flow at least this long… */
  readonly durationMs: number;
  /**
   * …and at least this long after the last action ended, however long the actions took (on a
   * loaded machine a reload can take seconds): the steady state after a disruption is observed.
   */
  readonly tailMs: number;
  /** Fired in this order, each once its time has come and the one before it has finished. */
  readonly actions: readonly TimedAction[];
  readonly judge: (record: TimelineRecord<Streams>, ctx: JudgeContext) => TimelineJudgement;
}

/** A judgement of a timeline, whose evidence includes the timeline itself. */
export interface TimelineJudgement extends Omit<Judgement, 'status'> {
  readonly status: 'PASSED' | 'FAILED';
  readonly timeline: TimelineEvidence;
}

/** One request of a stream, timed on the timeline's clock (ms from its start). */
export interface TimedObservation extends Observation {
  /** When the schedule said to send it. */
  readonly scheduledAtMs: number;
  /** When it was handed to its connection (its lag is `sentAtMs - scheduledAtMs`). */
  readonly sentAtMs: number;
  /** When it ended: the end of the response, or the error. */
  readonly endedAtMs: number;
}

/** What a timeline action did, on the timeline's clock. */
export interface ActionRecord {
  readonly label: string;
  readonly kind: ChaosAction['kind'];
  /** When it was due. */
  readonly dueAtMs: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

/** Everything a timeline recorded: each stream's requests, each action, on one clock. */
export interface TimelineRecord<Streams extends string = string> {
  /** How long the streams flowed: `durationMs`, or longer when the actions took long (`tailMs`). */
  readonly durationMs: number;
  readonly streams: Readonly<Record<Streams, readonly TimedObservation[]>>;
  readonly actions: readonly ActionRecord[];
  readonly schedule: Readonly<Record<Streams, ScheduleKeeping>>;
}

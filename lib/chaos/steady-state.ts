import type {
  ActionRecord,
  Observation,
  TimedObservation,
  TimelineBucket,
  TimelineEvidence,
  TimelineRecord,
  TimelineWindow,
} from '../model/index.ts';
import { countBy, isSuccess } from '../model/index.ts';
import { wilsonInterval } from '../stats/index.ts';

/**
 * Steady-state hypotheses over a chaos timeline (pure): a stream's requests split into the
 * windows before, during and after the disruption by their scheduled time; a success ratio per
 * window as an interval (not a point estimate); requests lost; the time to recover; admissions
 * of callers a policy must refuse.
 */

/** Error rate of each window's interval: a steady state is refuted only when its interval lies below the floor. */
export const windowAlpha = 0.01;

export type WindowName = TimelineWindow['window'];

/** The disruption on the timeline's clock: from the first action's start to the last one's end. */
export interface Disruption {
  readonly fromMs: number;
  readonly toMs: number;
}

/** The first action of a kind in a record (a judge's own timeline declares it, so it is there). */
export function actionOf(actions: readonly ActionRecord[], kind: ActionRecord['kind']): ActionRecord {
  const action = actions.find((a) => a.kind === kind);
  if (!action) throw new Error(`the timeline has no ${kind} action`);
  return action;
}

/** The span of the actions of a record (all of them, or those of the given kinds). */
export function disruptionOf(actions: readonly ActionRecord[]): Disruption {
  if (actions.length === 0) throw new Error('a timeline without actions has no disruption');
  return {
    fromMs: Math.min(...actions.map((a) => a.startedAtMs)),
    toMs: Math.max(...actions.map((a) => a.endedAtMs)),
  };
}

/**
 * Requests by window: before the disruption (ended before it began), during it (in flight when it
 * began, or scheduled until `settleMs` after it ended, the time a mesh is allowed to take to
 * settle), after (scheduled from then on).
 */
export function splitWindows<O extends TimedObservation>(
  observations: readonly O[],
  disruption: Disruption,
  settleMs: number,
): Record<WindowName, O[]> {
  const settled = disruption.toMs + settleMs;
  const before = (o: O) => o.endedAtMs < disruption.fromMs;
  return {
    before: observations.filter(before),
    during: observations.filter((o) => !before(o) && o.scheduledAtMs < settled),
    after: observations.filter((o) => o.scheduledAtMs >= settled),
  };
}

/**
 * The success ratio of one window as a Wilson interval, judged against a floor: the steady state
 * is refuted (`held: false`) only when the whole interval lies below the floor, so a handful of
 * requests can refute an outage but not a rare error.
 */
export function windowFigures(
  stream: string,
  window: WindowName,
  observations: readonly TimedObservation[],
  span: { readonly fromMs: number; readonly toMs: number },
  floor: number,
  ok: (o: Observation) => boolean = isSuccess,
): TimelineWindow {
  const good = observations.filter(ok).length;
  const interval = wilsonInterval(good, observations.length, windowAlpha);
  return {
    stream,
    window,
    fromMs: span.fromMs,
    toMs: span.toMs,
    requests: observations.length,
    ok: good,
    lower: observations.length > 0 ? interval.lower : 0,
    upper: observations.length > 0 ? interval.upper : 1,
    floor,
    held: observations.length > 0 && interval.upper >= floor,
  };
}

/** The three windows of a stream with their spans and a floor each. */
export function steadyStateWindows(
  stream: string,
  observations: readonly TimedObservation[],
  disruption: Disruption,
  settleMs: number,
  durationMs: number,
  floors: Readonly<Record<WindowName, number>>,
  ok?: (o: Observation) => boolean,
): TimelineWindow[] {
  const split = splitWindows(observations, disruption, settleMs);
  const settled = disruption.toMs + settleMs;
  const spans: Record<WindowName, { fromMs: number; toMs: number }> = {
    before: { fromMs: 0, toMs: disruption.fromMs },
    during: { fromMs: disruption.fromMs, toMs: settled },
    after: { fromMs: settled, toMs: durationMs },
  };
  return (['before', 'during', 'after'] as const).map((w) =>
    windowFigures(stream, w, split[w], spans[w], floors[w], ok),
  );
}

/** Requests that did not succeed. */
export function requestsLost(observations: readonly Observation[]): number {
  return observations.filter((o) => !isSuccess(o)).length;
}

/**
 * Time from `fromMs` to the scheduled time of the first request after which every request of the
 * stream succeeded (0 when none failed from `fromMs` on); null when the last one failed (no
 * recovery within the timeline).
 */
export function recoveryMs(
  observations: readonly TimedObservation[],
  fromMs: number,
  ok: (o: Observation) => boolean = isSuccess,
): number | null {
  const from = observations.filter((o) => o.scheduledAtMs >= fromMs);
  let lastBad = -1;
  from.forEach((o, i) => {
    if (!ok(o)) lastBad = i;
  });
  if (lastBad === -1) return 0;
  const first = from[lastBad + 1];
  return first ? Math.max(0, first.scheduledAtMs - fromMs) : null;
}

/** How a request ended, as a bucket counts it: `ok`, a status, or how it failed without one. */
export function outcomeClass(o: Observation): string {
  if (isSuccess(o)) return 'ok';
  return o.outcome === 'response' ? String(o.status) : o.outcome;
}

/** "ok ×47, 504 ×25": how requests ended, by outcome class. */
export function describeOutcomeClasses(observations: readonly Observation[]): string {
  if (observations.length === 0) return 'no requests';
  return [...countBy(observations, outcomeClass).entries()].map(([k, n]) => `${k} ×${n}`).join(', ');
}

/** Requests per bucket of scheduled time, by outcome class, for each stream. */
export function timelineBuckets(record: TimelineRecord, bucketMs: number): Record<string, TimelineBucket[]> {
  const count = Math.max(1, Math.ceil(record.durationMs / bucketMs));
  return Object.fromEntries(
    Object.entries(record.streams).map(([name, observations]) => {
      const buckets: Record<string, number>[] = Array.from({ length: count }, () => ({}));
      for (const o of observations) {
        const bucket = buckets[Math.min(count - 1, Math.floor(o.scheduledAtMs / bucketMs))] ?? {};
        const key = outcomeClass(o);
        bucket[key] = (bucket[key] ?? 0) + 1;
      }
      return [name, buckets.map((outcomes, i) => ({ atMs: i * bucketMs, outcomes }))];
    }),
  );
}

/** Bucket width of the timeline chart. */
export const timelineBucketMs = 100;

/** The timeline as evidence: actions as events, buckets per stream, the windows judged, the schedule kept. */
export function timelineEvidence(
  record: TimelineRecord,
  windows: readonly TimelineWindow[],
): TimelineEvidence {
  return {
    kind: 'timeline',
    events: record.actions.map((a) => ({
      atMs: Math.max(0, a.startedAtMs),
      label: `${a.label} (took ${Math.round(a.endedAtMs - a.startedAtMs)} ms)`,
    })),
    durationMs: record.durationMs,
    bucketMs: timelineBucketMs,
    streams: timelineBuckets(record, timelineBucketMs),
    windows,
    schedule: record.schedule,
  };
}

/** "before 40/40 (91–100%), during 12/20 (…)": the windows in words. */
export function describeWindows(windows: readonly TimelineWindow[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  return windows
    .map(
      (w) =>
        `${w.stream} ${w.window} ${w.ok}/${w.requests} (${pct(w.lower)}–${pct(w.upper)}${w.held ? '' : `, below ${pct(w.floor)}`})`,
    )
    .join(', ');
}

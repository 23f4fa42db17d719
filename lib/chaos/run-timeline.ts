import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ActionRecord,
  ChaosTimeline,
  Environment,
  RateRun,
  ScheduleKeeping,
  TimedAction,
  TimelineRecord,
} from '../model/index.ts';
import { chaosTimeouts, monotonicMs } from '../model/index.ts';

/**
 * Runs a chaos timeline on an environment: every stream starts on one clock (`zeroMs`, shortly
 * from now, so that no stream starts late), each action fires when due while the streams flow
 * (in order, one after the other), and the record says what happened when. An action that fails
 * throws (the harness could not do what the check declares: the runner reports ERROR), after the
 * streams have ended, so that no request outlives the check.
 */
export async function runTimeline(
  timeline: ChaosTimeline,
  env: Environment,
  requestIdPrefix: string,
): Promise<TimelineRecord> {
  const prepareAtRate = env.driver.prepareAtRate;
  if (!prepareAtRate) throw new Error('the traffic driver cannot send at a constant arrival rate');
  const names = Object.keys(timeline.streams);
  const streamOf = (name: string) => timeline.streams[name] as ChaosTimeline['streams'][string];
  // Every stream ready first, so that none starts late; if one cannot be, none is left waiting.
  const preparing = await Promise.allSettled(
    names.map((name) =>
      prepareAtRate.call(
        env.driver,
        streamOf(name).plan,
        {
          ratePerS: streamOf(name).ratePerS,
          maxDurationMs: timeline.durationMs + chaosTimeouts.timelineActionsMs,
          maxInFlight: chaosTimeouts.maxInFlightPerStream,
        },
        `${requestIdPrefix}${name}.`,
      ),
    ),
  );
  const prepared = preparing.flatMap((p) => (p.status === 'fulfilled' ? [p.value] : []));
  const refused = preparing.find((p) => p.status === 'rejected');
  if (refused) {
    await Promise.all(prepared.map((stream) => stream.abandon()));
    throw refused.reason;
  }
  const zeroMs = monotonicMs() + chaosTimeouts.timelineLeadMs;
  const clock = () => monotonicMs() - zeroMs;
  const sentSoFar = new Map<string, number>();
  const reached = new Map<string, () => void>();
  const runs = prepared.map((stream, i) => {
    const name = names[i] as string;
    return stream.start(zeroMs, (sent) => {
      sentSoFar.set(name, sent);
      reached.get(name)?.();
    });
  });
  const actions: ActionRecord[] = [];
  let failure: unknown;
  const acting = (async () => {
    for (const timed of timeline.actions) {
      const dueAtMs = await waitUntilDue(timed, clock, sentSoFar, reached);
      const startedAtMs = clock();
      try {
        await env.chaos(timed.action);
      } catch (error) {
        failure = new Error(`action "${timed.label}" failed: ${(error as Error).message}`, { cause: error });
        return;
      } finally {
        actions.push({
          label: timed.label,
          kind: timed.action.kind,
          dueAtMs,
          startedAtMs,
          endedAtMs: clock(),
        });
      }
    }
  })();
  await acting;
  // The schedule ends once the actions are done: no earlier than declared, and a tail after the last.
  const lastEnded = Math.max(0, ...actions.map((a) => a.endedAtMs));
  const durationMs = Math.max(timeline.durationMs, lastEnded + timeline.tailMs);
  for (const run of runs) run.endAt(durationMs);
  const results = await Promise.all(runs.map((run) => run.done));
  if (failure) throw failure;
  const streams: Record<string, TimelineRecord['streams'][string]> = {};
  const schedule: Record<string, ScheduleKeeping> = {};
  names.forEach((name, i) => {
    const run = results[i] as RateRun;
    streams[name] = run.observations;
    schedule[name] = scheduleKeeping(run, streamOf(name).ratePerS, durationMs);
  });
  return { durationMs, streams, actions, schedule };
}

/** Waits until an action is due; returns when it was due on the timeline's clock. */
async function waitUntilDue(
  timed: TimedAction,
  clock: () => number,
  sentSoFar: ReadonlyMap<string, number>,
  reached: Map<string, () => void>,
): Promise<number> {
  const { when } = timed;
  if ('atMs' in when) {
    // Timers run on the event loop's millisecond clock and may wake a hair early: never act before the time.
    for (let wait = when.atMs - clock(); wait > 0; wait = when.atMs - clock()) await sleep(wait);
    return when.atMs;
  }
  if ((sentSoFar.get(when.stream) ?? 0) < when.afterRequests) {
    await new Promise<void>((resolve) => {
      reached.set(when.stream, () => {
        if ((sentSoFar.get(when.stream) ?? 0) >= when.afterRequests) resolve();
      });
    });
    reached.delete(when.stream);
  }
  return clock();
}

/** How a stream kept its schedule: requests sent, dropped, the achieved rate and the send lag. */
export function scheduleKeeping(run: RateRun, ratePerS: number, durationMs: number): ScheduleKeeping {
  const lags = run.observations.map((o) => Math.max(0, o.sentAtMs - o.scheduledAtMs)).sort((a, b) => a - b);
  const quantile = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? 0;
  const sentTimes = run.observations.map((o) => o.sentAtMs);
  const spanMs = sentTimes.length > 1 ? Math.max(...sentTimes) - Math.min(...sentTimes) : 0;
  return {
    ratePerS,
    scheduled: run.scheduled,
    sent: run.observations.length,
    dropped: run.dropped,
    // n requests span n − 1 intervals.
    achievedRatePerS: spanMs > 0 ? ((sentTimes.length - 1) * 1000) / spanMs : 0,
    p50LagMs: quantile(0.5),
    p99LagMs: quantile(0.99),
    maxLagMs: lags[lags.length - 1] ?? 0,
    maxGapMs: maxGap(
      [...sentTimes].sort((a, b) => a - b),
      durationMs,
    ),
  };
}

/** The longest stretch of [0, end) with no send in it. */
function maxGap(sorted: readonly number[], endMs: number): number {
  let gap = 0;
  let previous = 0;
  for (const t of [...sorted, endMs]) {
    gap = Math.max(gap, t - previous);
    previous = t;
  }
  return gap;
}

/**
 * Why the driver did not keep a timeline's schedule, or undefined when it did. A stream that
 * dropped arrivals, or went long without sending (a stalled generator), did not observe part of
 * the disruption it was to observe, so such a run is ERROR, neither PASSED nor FAILED. A lag
 * alone does not count: a request sent late observes the mesh when it was sent, and every judge
 * windows requests by the times recorded (the lag is reported).
 */
export function scheduleNotKept(schedule: Readonly<Record<string, ScheduleKeeping>>): string | undefined {
  const problems = Object.entries(schedule).flatMap(([name, s]) => {
    const found: string[] = [];
    if (s.dropped > 0) found.push(`${s.dropped} of ${s.scheduled} requests not sent (in-flight cap)`);
    if (s.maxGapMs > chaosTimeouts.maxSendGapMs)
      found.push(`${s.maxGapMs.toFixed(0)} ms without a request sent > ${chaosTimeouts.maxSendGapMs} ms`);
    return found.map((f) => `stream ${name}: ${f}`);
  });
  return problems.length > 0
    ? `the traffic driver could not keep the schedule: ${problems.join('; ')}`
    : undefined;
}

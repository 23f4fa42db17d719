import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type {
  ChaosAction,
  ChaosTimeline,
  Environment,
  PreparedStream,
  RateSchedule,
  TrafficPlan,
} from '../model/index.ts';
import { at, monotonicMs } from '../model/index.ts';
import { runTimeline, scheduleKeeping, scheduleNotKept } from './run-timeline.ts';

/**
 * An environment whose driver "sends" on schedule without a network (each request answers 200 at
 * once) and whose chaos records what it was asked to do and when, on the timeline's clock.
 */
function recordingEnvironment(failing?: ChaosAction['kind']) {
  const performed: { kind: string; at: number }[] = [];
  let zero = 0;
  const prepareAtRate = async (
    plan: TrafficPlan,
    schedule: RateSchedule,
    prefix: string,
  ): Promise<PreparedStream> => ({
    start(zeroMs, onSent) {
      zero = zeroMs;
      let endMs: number | undefined;
      const send = async () => {
        const observations = [];
        for (let i = 0; ; i++) {
          const due = (i * 1000) / schedule.ratePerS;
          if (due >= (endMs ?? schedule.maxDurationMs)) break;
          const wait = zeroMs + due - monotonicMs();
          if (wait > 0) await sleep(wait);
          const sentAtMs = monotonicMs() - zeroMs;
          onSent?.(i + 1);
          observations.push({
            requestId: `${prefix}${i}`,
            outcome: 'response' as const,
            status: plan.caller === 'outsider' ? 403 : 200,
            latencyMs: 1,
            scheduledAtMs: due,
            sentAtMs,
            endedAtMs: sentAtMs + 1,
          });
        }
        return { observations, scheduled: observations.length, dropped: 0 };
      };
      return {
        endAt(ms) {
          endMs = ms;
        },
        done: send(),
      };
    },
    async abandon() {},
  });
  const env = {
    driver: { send: async () => [], prepareAtRate },
    async chaos(action: ChaosAction) {
      performed.push({ kind: action.kind, at: monotonicMs() - zero });
      if (action.kind === failing) throw new Error('no such process');
    },
  } as unknown as Environment;
  return { env, performed };
}

const timeline = (actions: ChaosTimeline['actions']): ChaosTimeline => ({
  streams: {
    a: { plan: { caller: 'client', service: 'server', requests: 1 }, ratePerS: 50 },
    b: { plan: { caller: 'outsider', service: 'server', requests: 1 }, ratePerS: 20 },
  },
  durationMs: 400,
  tailMs: 50,
  actions,
  judge: () => {
    throw new Error('not judged here');
  },
});

describe('runTimeline', () => {
  it('fires actions while the streams flow, in order, at their time or after N requests, on one clock', async () => {
    const { env, performed } = recordingEnvironment();
    const record = await runTimeline(
      timeline([
        { when: at('100ms'), action: { kind: 'pause-workload', version: 'v1' }, label: 'pause' },
        {
          when: { afterRequests: 15, stream: 'a' },
          action: { kind: 'resume-workload', version: 'v1' },
          label: 'resume',
        },
      ]),
      env,
      'id.',
    );
    expect(performed.map((p) => p.kind)).toEqual(['pause-workload', 'resume-workload']);
    const [pause, resume] = record.actions;
    expect(pause).toMatchObject({ label: 'pause', kind: 'pause-workload', dueAtMs: 100 });
    expect(pause?.startedAtMs).toBeGreaterThanOrEqual(100);
    // The 15th request of a (50/s) is due at 280 ms: the action comes after it was sent.
    const fifteenth = record.streams.a?.[14];
    expect(resume?.startedAtMs).toBeGreaterThanOrEqual(fifteenth?.sentAtMs ?? Number.POSITIVE_INFINITY);
    expect(record.streams.a).toHaveLength(20);
    expect(record.streams.b).toHaveLength(8);
    expect(record.schedule.a).toMatchObject({ ratePerS: 50, scheduled: 20, sent: 20, dropped: 0 });
  });

  it('reports an action that failed once the streams have ended, naming it', async () => {
    const { env } = recordingEnvironment('kill-proxy');
    await expect(
      runTimeline(
        timeline([{ when: at('0ms'), action: { kind: 'kill-proxy', version: 'v1' }, label: 'kill v1' }]),
        env,
        'id.',
      ),
    ).rejects.toThrow(/action "kill v1" failed: no such process/);
  });

  it('gives up the prepared streams when another cannot be prepared, leaving none waiting', async () => {
    const abandoned: string[] = [];
    const prepareAtRate = async (plan: TrafficPlan): Promise<PreparedStream> => {
      if (plan.caller === 'outsider') throw new Error('no sender thread');
      return {
        start: () => {
          throw new Error('must not start');
        },
        abandon: async () => {
          abandoned.push(plan.caller);
        },
      };
    };
    const env = { driver: { send: async () => [], prepareAtRate } } as unknown as Environment;
    await expect(runTimeline(timeline([]), env, 'id.')).rejects.toThrow(/no sender thread/);
    expect(abandoned).toEqual(['client']);
  });

  it('refuses a driver that cannot send at a constant rate', async () => {
    const env = { driver: { send: async () => [] } } as unknown as Environment;
    await expect(runTimeline(timeline([]), env, 'id.')).rejects.toThrow(/constant arrival rate/);
  });
});

describe('schedule keeping', () => {
  const run = (lags: readonly number[], dropped = 0) => ({
    scheduled: lags.length + dropped,
    dropped,
    observations: lags.map((lag, i) => ({
      requestId: String(i),
      outcome: 'response' as const,
      status: 200,
      latencyMs: 1,
      scheduledAtMs: i * 10,
      sentAtMs: i * 10 + lag,
      endedAtMs: i * 10 + lag + 1,
    })),
  });

  it('measures the achieved rate and the send lag', () => {
    const keeping = scheduleKeeping(run(Array.from({ length: 101 }, () => 0)), 100, 1_010);
    expect(keeping).toMatchObject({
      sent: 101,
      dropped: 0,
      p50LagMs: 0,
      p99LagMs: 0,
      maxLagMs: 0,
      maxGapMs: 10,
    });
    expect(keeping.achievedRatePerS).toBeCloseTo(100, 6);
  });

  it('calls a schedule not kept when requests were dropped or none was sent for long, and kept when only late', () => {
    // Every request 200 ms late: a lag, no gap.
    const late = scheduleKeeping(run(Array.from({ length: 100 }, () => 200)), 100, 1_200);
    expect(late.p99LagMs).toBe(200);
    expect(scheduleNotKept({ s: late })).toBeUndefined();
    const dropped = scheduleKeeping(run([0, 0, 0], 2), 100, 50);
    expect(scheduleNotKept({ s: dropped })).toMatch(/stream s: 2 of 5 requests not sent/);
    // One stall of 1.5 s: the requests due meanwhile all went at its end.
    const stalled = scheduleKeeping(
      run(Array.from({ length: 200 }, (_, i) => (i >= 50 && i < 200 ? Math.max(0, 2_000 - i * 10) : 0))),
      100,
      2_000,
    );
    expect(stalled.maxGapMs).toBeGreaterThan(1_000);
    expect(scheduleNotKept({ s: stalled })).toMatch(/stream s: \d+ ms without a request sent > 750 ms/);
  });
});

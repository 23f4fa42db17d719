import { describe, expect, it } from 'vitest';
import type { Observation, TimedObservation, TimelineRecord } from '../model/index.ts';
import {
  disruptionOf,
  recoveryMs,
  requestsLost,
  splitWindows,
  steadyStateWindows,
  timelineBuckets,
  windowFigures,
} from './steady-state.ts';

/** A request scheduled at `at` ms that took `ms` and ended with `status` (or a connection error). */
function request(at: number, status: number | 'refused' | 'reset', ms = 10): TimedObservation {
  const base = { requestId: `r${at}`, scheduledAtMs: at, sentAtMs: at, endedAtMs: at + ms, latencyMs: ms };
  return typeof status === 'number' ? { ...base, outcome: 'response', status } : { ...base, outcome: status };
}

/** 10 requests/s for 3 s, failing (refused) while scheduled in [from, to). */
function stream(from: number, to: number): TimedObservation[] {
  return Array.from({ length: 30 }, (_, i) => i * 100).map((at) =>
    request(at, at >= from && at < to ? 'refused' : 200),
  );
}

describe('steady-state windows', () => {
  it('puts a request in flight when the disruption began into "during", not "before"', () => {
    const inFlight = request(950, 'reset', 100);
    const split = splitWindows(
      [request(0, 200), inFlight, request(2000, 200)],
      { fromMs: 1000, toMs: 1500 },
      200,
    );
    expect(split.before.map((o) => o.scheduledAtMs)).toEqual([0]);
    expect(split.during.map((o) => o.scheduledAtMs)).toEqual([950]);
    expect(split.after.map((o) => o.scheduledAtMs)).toEqual([2000]);
  });

  it('refutes a steady state only when the whole interval lies below the floor', () => {
    const span = { fromMs: 0, toMs: 1000 };
    // 19 of 20: the interval still reaches 99%.
    const one = [...Array.from({ length: 19 }, (_, i) => request(i, 200)), request(19, 503)];
    expect(windowFigures('s', 'after', one, span, 0.99).held).toBe(true);
    // 10 of 20: clearly below.
    const half = Array.from({ length: 20 }, (_, i) => request(i, i % 2 === 0 ? 200 : 503));
    const figures = windowFigures('s', 'after', half, span, 0.99);
    expect(figures).toMatchObject({ ok: 10, requests: 20, held: false });
    expect(figures.upper).toBeLessThan(0.99);
    expect(figures.lower).toBeGreaterThan(0);
    // No request in a window proves nothing: not held.
    expect(windowFigures('s', 'after', [], span, 0.5).held).toBe(false);
  });

  it('judges policy probes by a predicate of their own (refused is good)', () => {
    const probes = [request(0, 403), request(100, 'reset'), request(200, 200)];
    const refused = (o: Observation) => !(o.outcome === 'response' && o.status === 200);
    const windows = steadyStateWindows(
      'p',
      probes,
      { fromMs: 50, toMs: 60 },
      0,
      300,
      { before: 1, during: 1, after: 1 },
      refused,
    );
    expect(windows.map((w) => [w.window, w.ok, w.requests, w.held])).toEqual([
      ['before', 1, 1, true],
      ['during', 0, 0, false],
      ['after', 1, 2, false],
    ]);
  });
});

describe('requests lost and time to recover', () => {
  it('counts what did not succeed and measures recovery from a time on', () => {
    const observations = stream(1000, 1500);
    expect(requestsLost(observations)).toBe(5);
    // The last failure is scheduled at 1400; the first success after it at 1500.
    expect(recoveryMs(observations, 1200)).toBe(300);
    expect(recoveryMs(observations, 1600)).toBe(0);
  });

  it('says null when the stream never recovered', () => {
    expect(recoveryMs(stream(1000, 5000), 1200)).toBeNull();
  });

  it('spans the disruption from the first action started to the last one ended', () => {
    const actions = [
      { label: 'kill', kind: 'kill-proxy' as const, dueAtMs: 800, startedAtMs: 801, endedAtMs: 805 },
      { label: 'restart', kind: 'restart-proxy' as const, dueAtMs: 1600, startedAtMs: 1601, endedAtMs: 1750 },
    ];
    expect(disruptionOf(actions)).toEqual({ fromMs: 801, toMs: 1750 });
    expect(() => disruptionOf([])).toThrow(/no disruption/);
  });
});

describe('timeline buckets', () => {
  it('counts each stream per bucket of scheduled time by outcome class', () => {
    const record: TimelineRecord = {
      durationMs: 300,
      streams: { s: [request(0, 200), request(50, 503), request(150, 'refused'), request(299, 200)] },
      actions: [],
      schedule: {},
    };
    expect(timelineBuckets(record, 100).s).toEqual([
      { atMs: 0, outcomes: { ok: 1, '503': 1 } },
      { atMs: 100, outcomes: { refused: 1 } },
      { atMs: 200, outcomes: { ok: 1 } },
    ]);
  });
});

import type { Judgement, Observation, TrafficPlan } from '../model/index.ts';
import { describeOutcomes, isSuccess, values } from '../model/index.ts';

/** A burst of slow requests at a connection-pool limit, as a check sends it. */
export interface ConnectionPoolBurst {
  readonly maxConnections: number;
  readonly maxPending: number;
  /** How long the server takes for each request. */
  readonly serverDelayMs: number;
}

/** The burst: `concurrent` requests at once, each held by the server, looked up in the ledger. */
export function connectionPoolBurst(spec: ConnectionPoolBurst, concurrent: number): TrafficPlan {
  return {
    caller: 'client',
    service: 'server',
    echo: { delayMs: spec.serverDelayMs },
    requests: concurrent,
    concurrency: concurrent,
    ledger: true,
    // Long enough that a queued request is seen answered, not the client giving up.
    timeoutMs: spec.serverDelayMs * 6,
  };
}

/** When a request ended, in ms since its batch started. */
const endedAt = (o: Observation) => (o.sentAtMs ?? 0) + o.latencyMs;

/**
 * Judges a burst at a pool limit (pure), with what Envoy guarantees and load cannot bend:
 * - every request is either served (2xx) or shed: a 503 that never reached the app;
 * - some are shed and some served;
 * - the overflow is refused at once, not queued: every shed request ends before the first served
 *   one does (those take at least the server's delay, so a queued overflow, answered only when its
 *   wait runs out, ends after them);
 * - at most `maxPending` requests wait for a connection: a served request that ended beyond 1.9
 *   server delays into the burst waited behind another (load would have to add 0.9 of a delay to a
 *   request served at once to look like that).
 * It does not bound how many are served at once: Envoy lets each endpoint, in each worker's pool,
 * have one connection beyond `maxConnections` (its circuit-breaking docs), so only the pending
 * limit is exact.
 */
export function judgeConnectionPool(
  burst: readonly Observation[],
  spec: ConnectionPoolBurst,
  scope: string,
): Judgement {
  const shed = burst.filter((o) => o.outcome === 'response' && o.status === 503 && o.serverAttempts === 0);
  const served = burst.filter(isSuccess);
  const other = burst.length - shed.length - served.length;
  const firstServedEnd = Math.min(...served.map(endedAt));
  const lastShedEnd = Math.max(...shed.map(endedAt));
  const waitedFromMs = spec.serverDelayMs * 1.9;
  const waited = served.filter((o) => endedAt(o) >= waitedFromMs).length;
  const atOnce = shed.length > 0 && served.length > 0 && lastShedEnd < firstServedEnd;
  const passed = other === 0 && atOnce && waited <= spec.maxPending;
  const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'never');
  return {
    status: passed ? 'PASSED' : 'FAILED',
    want: `${scope}: some requests shed with 503 before the app, all of them before the first served one ends; the rest 2xx, at most ${spec.maxPending} of them after waiting for a connection; nothing else`,
    got: `${describeOutcomes(burst)}; ${shed.length} shed (last ended at ${ms(lastShedEnd)}), ${served.length} served (first ended at ${ms(firstServedEnd)}), ${waited} of them after waiting (ended at or after ${ms(waitedFromMs)})${other > 0 ? `, ${other} neither` : ''}`,
    evidence: values({
      ...spec,
      shed: shed.length,
      served: served.length,
      waited,
      other,
      endedAtMs: burst.map((o) => Math.round(endedAt(o))),
    }),
  };
}

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import type { Pool } from 'undici';
import type { TimedObservation } from '../model/index.ts';
import { monotonicMs } from '../model/index.ts';
import { poolsFor, sendOne } from './builtin-driver.ts';
import { armOf } from './echo-headers.ts';
import type { RateWorkerControl, RateWorkerInput, RateWorkerMessage } from './rate-sender.ts';

/**
 * The rate worker (see `sendAtRateInWorker`): request i is sent when it is due
 * (`zeroMs + i / rate`), however many are in flight, on pools with enough connections that none
 * waits for another to return (up to `maxInFlight`; an arrival beyond that is dropped and counted,
 * never queued, so the lag recorded is the generator's own). Latencies are timed from the actual
 * send and the lag is recorded apart, so a judge sees a slow server and a slow generator apart.
 */
async function run(input: RateWorkerInput): Promise<void> {
  const { target, plan, schedule, requestIdPrefix, timeouts } = input;
  const port = parentPort;
  if (!port) throw new Error('the rate worker runs only as a worker thread');
  const post = (message: RateWorkerMessage) => port.postMessage(message);
  // The end of the schedule is unknown until the timeline's actions are done: until then, go on.
  let endMs: number | undefined;
  const started = new Promise<number>((resolve) => {
    port.on('message', (control: RateWorkerControl) => {
      if (control.kind === 'start') resolve(control.zeroMs);
      else endMs = control.endMs;
    });
  });
  post({ kind: 'ready' });
  const zeroMs = await started;
  // This thread's performance clock, placed on the shared monotonic one.
  const zeroPerf = zeroMs - (monotonicMs() - performance.now());
  const intervalMs = 1000 / schedule.ratePerS;

  const pools = poolsFor(target, schedule.maxInFlight);
  const observations: TimedObservation[] = [];
  const pending: Promise<void>[] = [];
  let inFlight = 0;
  let dropped = 0;
  let sent = 0;
  try {
    for (let i = 0; ; i++) {
      const dueAtMs = i * intervalMs;
      // Never past the bound, whatever end the main thread gave (or did not give).
      const end =
        endMs !== undefined && Number.isFinite(endMs)
          ? Math.min(endMs, schedule.maxDurationMs)
          : schedule.maxDurationMs;
      if (dueAtMs >= end) break;
      const wait = zeroPerf + dueAtMs - performance.now();
      // Timers fire on whole milliseconds: the lag this adds is recorded, never hidden.
      if (wait > 0) await sleep(wait);
      if (inFlight >= schedule.maxInFlight) {
        dropped++;
        continue;
      }
      const origin = target.origins[Math.floor(Math.random() * target.origins.length)] ?? '';
      const arm = armOf(plan, i);
      inFlight++;
      sent++;
      post({ kind: 'sent', sent });
      pending.push(
        sendOne(
          pools.get(origin) as Pool,
          arm ? { ...plan, headers: { ...plan.headers, ...arm.headers } } : plan,
          target.host,
          `${requestIdPrefix}${i}`,
          timeouts,
          zeroPerf,
        ).then((o) => {
          inFlight--;
          const sentAtMs = o.sentAtMs ?? 0;
          observations.push({
            ...o,
            ...(arm ? { arm: arm.name } : {}),
            scheduledAtMs: dueAtMs,
            sentAtMs,
            endedAtMs: sentAtMs + o.latencyMs,
          });
        }),
      );
    }
    await Promise.all(pending);
  } finally {
    await Promise.all([...pools.values()].map((p) => p.destroy()));
  }
  observations.sort((a, b) => a.scheduledAtMs - b.scheduledAtMs);
  post({ kind: 'done', run: { observations, scheduled: observations.length + dropped, dropped } });
}

run(workerData as RateWorkerInput).catch((error: unknown) => {
  parentPort?.postMessage({ kind: 'failed', message: (error as Error).message } satisfies RateWorkerMessage);
});

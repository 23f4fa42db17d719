import { Worker } from 'node:worker_threads';
import type { PreparedStream, RateRun, RateSchedule, Timeouts, TrafficPlan } from '../model/index.ts';
import type { TrafficTarget } from './traffic-target.ts';

/** What the main thread gives the rate worker (structured-clonable: no callbacks). */
export interface RateWorkerInput {
  readonly target: TrafficTarget;
  readonly plan: TrafficPlan;
  readonly schedule: RateSchedule;
  readonly requestIdPrefix: string;
  readonly timeouts: Timeouts;
}

/** What the main thread tells the rate worker: start (once every stream is ready), then where the schedule ends. */
export type RateWorkerControl =
  | { readonly kind: 'start'; readonly zeroMs: number }
  | { readonly kind: 'end-at'; readonly endMs: number };

/** What the rate worker tells the main thread: ready, progress while sending, then the run. */
export type RateWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'sent'; readonly sent: number }
  | { readonly kind: 'done'; readonly run: RateRun }
  | { readonly kind: 'failed'; readonly message: string };

const workerUrl = new URL('./rate-worker.ts', import.meta.url);

/**
 * Prepares a plan to be sent open loop from a worker thread of its own. The main thread performs
 * the chaos actions meanwhile, and those spawn processes (`spawn` blocks the event loop for tens
 * of milliseconds on a loaded machine) and validate configurations: on the same event loop that
 * would delay arrivals, the very lag an open-loop schedule must not have. The worker loads its
 * modules before it says it is ready (a second or more on a loaded machine), so that the
 * schedule starts only once every stream can keep it. Times are on the monotonic clock every
 * thread shares (`process.hrtime`).
 */
export function prepareAtRateInWorker(
  target: TrafficTarget,
  plan: TrafficPlan,
  schedule: RateSchedule,
  requestIdPrefix: string,
  timeouts: Timeouts,
): Promise<PreparedStream> {
  const input: RateWorkerInput = { target, plan, schedule, requestIdPrefix, timeouts };
  const worker = new Worker(workerUrl, { workerData: input });
  let onSent: ((sent: number) => void) | undefined;
  let finish: { resolve: (run: RateRun) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  return new Promise<PreparedStream>((ready, notReady) => {
    const fail = (error: Error) => {
      failure ??= error;
      void worker.terminate();
      if (finish) finish.reject(error);
      else notReady(error);
    };
    worker.on('message', (message: RateWorkerMessage) => {
      switch (message.kind) {
        case 'ready': {
          const done = new Promise<RateRun>((resolve, reject) => {
            finish = { resolve, reject };
          });
          ready({
            start(zeroMs, sent) {
              onSent = sent;
              if (failure) finish?.reject(failure);
              else worker.postMessage({ kind: 'start', zeroMs } satisfies RateWorkerControl);
              return {
                endAt(endMs) {
                  worker.postMessage({ kind: 'end-at', endMs } satisfies RateWorkerControl);
                },
                done,
              };
            },
            async abandon() {
              await worker.terminate();
            },
          });
          return;
        }
        case 'sent':
          onSent?.(message.sent);
          return;
        case 'done':
          finish?.resolve(message.run);
          finish = undefined;
          void worker.terminate();
          return;
        case 'failed':
          fail(new Error(`the rate worker failed: ${message.message}`));
          return;
      }
    });
    worker.once('error', fail);
    worker.once('exit', (code) => {
      if (finish || !failure) fail(new Error(`the rate worker exited (${code}) before it reported`));
    });
  });
}

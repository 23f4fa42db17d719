import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type Dispatcher, Pool } from 'undici';
import { createLatencyHistogram, type LatencyHistogram, recordLatencyMs } from '../stats/histogram.ts';
import { classifyClientError } from './classify-error.ts';

/** Where an open-loop client sends: one origin, one request shape repeated. */
export interface OpenLoopTarget {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly path: string;
  readonly method?: 'GET' | 'HEAD';
  /** Sent with every request (the Host header names the service for a sidecar). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Connection settings of an open-loop client. */
export interface OpenLoopClientOptions {
  /** Keep-alive connections to the origin (HTTP/1.1, no pipelining): the most requests on the wire at once. */
  readonly connections: number;
  /** Longest wait for response headers, and then for the body. */
  readonly timeoutMs: number;
}

/** One constant-arrival-rate run. */
export interface ConstantRateOptions {
  /** Arrivals per second. */
  readonly rate: number;
  /** Length of the measured part of the schedule. */
  readonly durationMs: number;
  /** Sent on the same schedule just before the measured part, and not recorded. */
  readonly warmupMs?: number;
  /**
   * Arrivals beyond this many requests in flight (on the wire or queued for a connection) are
   * dropped and counted, as k6 drops iterations when no VU is free: the bound on memory when
   * the target stalls. Default {@link defaultMaxInFlight}.
   */
  readonly maxInFlight?: number;
  /** A request sent more than this after its intended time counts as late. Default {@link defaultLateAfterMs}. */
  readonly lateAfterMs?: number;
  /** Called when the first measured arrival is due (e.g. to start sampling process CPU). */
  readonly onMeasurementStart?: () => void;
  /** Called once every arrival has been sent or dropped (responses may still be outstanding). */
  readonly onScheduleComplete?: () => void;
}

/** What one constant-arrival-rate run measured. Histograms hold the measured part only. */
export interface ConstantRateResult {
  readonly targetRps: number;
  /** Arrivals in the measured part of the schedule: rate × duration. */
  readonly scheduled: number;
  /** Measured arrivals actually sent (scheduled − dropped). */
  readonly sent: number;
  /** 2xx responses. */
  readonly ok: number;
  /** Non-2xx responses and requests that got no response. */
  readonly errors: number;
  /** `status 503`, `timeout`, `refused`, … → count. */
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Arrivals not sent because {@link ConstantRateOptions.maxInFlight} requests were in flight. */
  readonly dropped: number;
  /** Sent more than {@link ConstantRateOptions.lateAfterMs} after the intended time. */
  readonly late: number;
  /** From the first measured intended send time to the last response (at least the scheduled duration). */
  readonly elapsedMs: number;
  /**
   * 2xx responses of the measured arrivals per second of {@link elapsedMs}: the throughput the
   * path sustained, as wrk and fortio count it. A backlog (the target or the generator falling
   * behind) stretches the time to the last response and lowers it; a path that keeps up loses
   * only the last response's latency, however short the run (so slices add up like one window).
   */
  readonly achievedRps: number;
  /** Response time measured from the intended send time (no coordinated omission): every response, any status. */
  readonly latency: LatencyHistogram;
  /** Response time measured from the actual send. */
  readonly serviceTime: LatencyHistogram;
  /** How long after its intended time each request was handed to the connection pool. */
  readonly sendLag: LatencyHistogram;
  /** This process's CPU (all threads) during the measured part, in millicores. */
  readonly generatorCpuMillicores: number;
  /** Share of the measured part the event loop was busy (0..1): near 1 the generator is saturated. */
  readonly eventLoopUtilization: number;
}

/** A maximum-throughput run. */
export interface ClosedLoopOptions {
  readonly durationMs: number;
  /** Run the same way before, not recorded. */
  readonly warmupMs?: number;
  /** Called when the measured part begins. */
  readonly onMeasurementStart?: () => void;
}

/** A closed-loop run: every connection sends its next request as soon as the previous one is answered. */
export interface ClosedLoopResult {
  readonly requests: number;
  readonly ok: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly requestsPerSecond: number;
  readonly latency: LatencyHistogram;
  readonly generatorCpuMillicores: number;
  readonly eventLoopUtilization: number;
}

/** One request's status, headers and body, for checking the path before measuring. */
export interface ProbeResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * An open-loop HTTP load generator on undici: a constant arrival rate with every latency timed
 * from the request's intended send time, so a stall of the target (or of the generator) shows
 * in the figures instead of silently slowing the schedule (no coordinated omission).
 */
export interface OpenLoopClient extends AsyncDisposable {
  runConstantRate(options: ConstantRateOptions): Promise<ConstantRateResult>;
  /** Maximum throughput: `connections` loops for the duration (to compare with wrk). */
  runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult>;
  probe(extraHeaders?: Readonly<Record<string, string>>): Promise<ProbeResponse>;
  close(): Promise<void>;
}

/** Default cap of requests in flight before arrivals are dropped. */
export const defaultMaxInFlight = 1000;
/** Default lateness beyond which a send counts as late: a generator stall, not timer jitter. */
export const defaultLateAfterMs = 10;

/** Monotonic milliseconds on the clock every thread shares (CLOCK_MONOTONIC). */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * The arrival clock: a worker thread that sleeps on a futex until each intended send time and
 * then tells the main thread how many arrivals are due. The event loop's own timers fire on
 * whole milliseconds, which would add up to 1 ms of scheduling lag to every latency; a futex
 * wait wakes within tens of microseconds and costs no CPU while sleeping (no busy loop).
 * Plain JavaScript (CommonJS), evaluated as the worker's source.
 */
const arrivalClockSource = `
const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ startNs, intervalNs, count, control }) => {
  const stop = new Int32Array(control);
  const start = BigInt(startNs);
  let next = 0;
  while (next < count && Atomics.load(stop, 0) === 0) {
    const due = start + BigInt(Math.round(next * intervalNs));
    const now = process.hrtime.bigint();
    if (due > now) {
      Atomics.wait(stop, 0, 0, Number(due - now) / 1e6);
      continue;
    }
    let upto = Math.floor(Number(now - start) / intervalNs) + 1;
    if (upto > count) upto = count;
    if (upto <= next) upto = next + 1;
    next = upto;
    parentPort.postMessage(next);
  }
});
`;

interface ArrivalClock {
  /** Resolves once the clock thread runs, so that its start-up is not charged to the first arrivals. */
  readonly ready: Promise<void>;
  start(startMs: number, intervalMs: number, count: number, onDue: (upto: number) => void): void;
  stop(): Promise<void>;
}

function startArrivalClock(): ArrivalClock {
  const worker = new Worker(arrivalClockSource, { eval: true });
  const control = new SharedArrayBuffer(4);
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('online', () => resolve());
    worker.once('error', reject);
  });
  return {
    ready,
    start(startMs, intervalMs, count, onDue) {
      worker.on('message', (upto: number) => onDue(upto));
      worker.postMessage({
        startNs: BigInt(Math.round(startMs * 1e6)).toString(),
        intervalNs: intervalMs * 1e6,
        count,
        control,
      });
    },
    async stop() {
      const flag = new Int32Array(control);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}

function headersOf(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** CPU of this process and event-loop busy share between `begin()` and `end()`. */
function generatorMeter(): { end(): { cpuMillicores: number; eventLoopUtilization: number } } {
  const wallStart = monotonicMs();
  const cpuStart = process.cpuUsage();
  const eluStart = performance.eventLoopUtilization();
  return {
    end() {
      const wallMs = Math.max(monotonicMs() - wallStart, 1e-3);
      const cpu = process.cpuUsage(cpuStart);
      const elu = performance.eventLoopUtilization(eluStart);
      return {
        cpuMillicores: ((cpu.user + cpu.system) / 1000 / wallMs) * 1000,
        eventLoopUtilization: elu.utilization,
      };
    },
  };
}

/** How one request of a run ended: its status, or the error that ended it without one. */
type RequestOutcome = { readonly status: number } | { readonly error: unknown };

/**
 * Sends one request and reports how it ended, the body discarded as it arrives: the hot path of
 * the generator. Dispatching with a handler instead of `request()` spares a promise and a body
 * stream per request, which is most of undici's own cost per request (see the README's driver
 * capacity figures).
 */
function dispatchRequest(
  pool: Pool,
  request: Dispatcher.DispatchOptions,
  done: (outcome: RequestOutcome) => void,
): void {
  let status = 0;
  let ended = false;
  const end = (outcome: RequestOutcome) => {
    if (ended) return;
    ended = true;
    done(outcome);
  };
  try {
    pool.dispatch(request, {
      // undici requires it, although nothing is to be done when the request starts.
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData() {},
      onResponseEnd() {
        end({ status });
      },
      onResponseError(_controller, error) {
        end({ error });
      },
    });
  } catch (error) {
    end({ error });
  }
}

/** Creates an open-loop client with its own keep-alive connection pool (kept warm across runs). */
export function createOpenLoopClient(target: OpenLoopTarget, options: OpenLoopClientOptions): OpenLoopClient {
  const pool = new Pool(target.origin, {
    connections: options.connections,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const method = target.method ?? 'GET';
  const headers = { ...target.headers };
  // Validated once by undici when given as a flat list, instead of per request from an object.
  const request: Dispatcher.DispatchOptions = {
    path: target.path,
    method,
    headers: Object.entries(headers).flat(),
  };

  const close = async () => {
    await pool.close().catch(() => pool.destroy());
  };

  return {
    async probe(extraHeaders = {}) {
      const response = await pool.request({
        path: target.path,
        method,
        headers: { ...headers, ...extraHeaders },
      });
      return {
        status: response.statusCode,
        headers: headersOf(response.headers),
        body: await response.body.text(),
      };
    },

    runConstantRate(run) {
      if (!(run.rate > 0 && Number.isFinite(run.rate)))
        throw new RangeError(`rate must be > 0, got ${run.rate}`);
      if (!(run.durationMs > 0)) throw new RangeError(`durationMs must be > 0, got ${run.durationMs}`);
      const intervalMs = 1000 / run.rate;
      const warmupCount = Math.round(((run.warmupMs ?? 0) * run.rate) / 1000);
      const scheduled = Math.max(1, Math.round((run.durationMs * run.rate) / 1000));
      const total = warmupCount + scheduled;
      const maxInFlight = run.maxInFlight ?? defaultMaxInFlight;
      const lateAfterMs = run.lateAfterMs ?? defaultLateAfterMs;
      const latency = createLatencyHistogram();
      const serviceTime = createLatencyHistogram();
      const sendLag = createLatencyHistogram();
      const errorKinds: Record<string, number> = {};
      let ok = 0;
      let errors = 0;
      let dropped = 0;
      let late = 0;
      let inFlight = 0;
      let next = 0;
      let lastCompletionMs = 0;
      let meter: ReturnType<typeof generatorMeter> | undefined;
      let measureStartMs = 0;
      let startAtMs = 0;
      const clock = startArrivalClock();

      return new Promise<ConstantRateResult>((resolve, reject) => {
        let settled = false;
        const fail = (error: unknown) => {
          if (settled) return;
          settled = true;
          void clock.stop().finally(() => reject(error));
        };
        const maybeFinish = () => {
          if (settled || next < total || inFlight > 0) return;
          settled = true;
          const generator = meter?.end() ?? { cpuMillicores: 0, eventLoopUtilization: 0 };
          const windowMs = (scheduled * 1000) / run.rate;
          const elapsedMs = Math.max(lastCompletionMs - measureStartMs, windowMs);
          void clock.stop().finally(() =>
            resolve({
              targetRps: run.rate,
              scheduled,
              sent: scheduled - dropped,
              ok,
              errors,
              errorKinds,
              dropped,
              late,
              elapsedMs,
              achievedRps: ok / (elapsedMs / 1000),
              latency,
              serviceTime,
              sendLag,
              generatorCpuMillicores: generator.cpuMillicores,
              eventLoopUtilization: generator.eventLoopUtilization,
            }),
          );
        };
        const countError = (kind: string, measured: boolean) => {
          if (!measured) return;
          errors++;
          errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
        };
        const send = (intendedMs: number, measured: boolean) => {
          const sentMs = monotonicMs();
          if (measured) {
            const lag = sentMs - intendedMs;
            recordLatencyMs(sendLag, Math.max(lag, 0));
            if (lag > lateAfterMs) late++;
          }
          inFlight++;
          dispatchRequest(pool, request, (outcome) => {
            inFlight--;
            if (measured) {
              const doneMs = monotonicMs();
              lastCompletionMs = Math.max(lastCompletionMs, doneMs);
              if ('status' in outcome) {
                recordLatencyMs(latency, doneMs - intendedMs);
                recordLatencyMs(serviceTime, doneMs - sentMs);
                if (outcome.status >= 200 && outcome.status < 300) ok++;
                else countError(`status ${outcome.status}`, true);
              } else countError(classifyClientError(outcome.error), true);
            }
            maybeFinish();
          });
        };
        const onDue = (upto: number) => {
          try {
            for (; next < upto; next++) {
              const intendedMs = startAtMs + next * intervalMs;
              const measured = next >= warmupCount;
              if (next === warmupCount) {
                measureStartMs = intendedMs;
                meter = generatorMeter();
                run.onMeasurementStart?.();
              }
              if (inFlight >= maxInFlight) {
                if (measured) dropped++;
                continue;
              }
              send(intendedMs, measured);
            }
            if (next >= total) {
              run.onScheduleComplete?.();
              maybeFinish();
            }
          } catch (error) {
            fail(error);
          }
        };
        clock.ready.then(() => {
          // A short lead so that the first arrival is not already late when the clock starts.
          startAtMs = monotonicMs() + 5;
          clock.start(startAtMs, intervalMs, total, onDue);
        }, fail);
      });
    },

    async runClosedLoop(run) {
      const latency = createLatencyHistogram();
      let ok = 0;
      let errors = 0;
      // One loop per connection: each sends its next request when the previous one has ended.
      const loop = (untilMs: number, measured: boolean) =>
        new Promise<void>((resolve) => {
          const next = () => {
            if (monotonicMs() >= untilMs) {
              resolve();
              return;
            }
            const started = monotonicMs();
            dispatchRequest(pool, request, (outcome) => {
              if (measured) {
                if ('status' in outcome) {
                  recordLatencyMs(latency, monotonicMs() - started);
                  if (outcome.status >= 200 && outcome.status < 300) ok++;
                  else errors++;
                } else errors++;
              }
              // An error can end a request at once: go on from a fresh stack.
              if ('error' in outcome) setImmediate(next);
              else next();
            });
          };
          next();
        });
      if (run.warmupMs) {
        const until = monotonicMs() + run.warmupMs;
        await Promise.all(Array.from({ length: options.connections }, () => loop(until, false)));
      }
      run.onMeasurementStart?.();
      const meter = generatorMeter();
      const started = monotonicMs();
      const until = started + run.durationMs;
      await Promise.all(Array.from({ length: options.connections }, () => loop(until, true)));
      const elapsedMs = monotonicMs() - started;
      const generator = meter.end();
      return {
        requests: ok + errors,
        ok,
        errors,
        elapsedMs,
        requestsPerSecond: (ok + errors) / (elapsedMs / 1000),
        latency,
        generatorCpuMillicores: generator.cpuMillicores,
        eventLoopUtilization: generator.eventLoopUtilization,
      };
    },

    close,
    [Symbol.asyncDispose]: close,
  };
}

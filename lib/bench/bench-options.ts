import { MAX_PAYLOAD_BYTES } from '../../fixtures/echo/echo-protocol.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { parseList, parseWholeNumber } from '../flags/flag-values.ts';
import type { MeshName, PlatformName } from '../model/index.ts';
import { defaultLateAfterMs, defaultMaxInFlight } from '../traffic/open-loop-driver.ts';
import { benchSchedule } from './bench-schedule.ts';
import type { BenchConfig } from './bench-types.ts';

/** Raw options of `meshproof bench`, as typed by the user. */
export interface BenchFlags {
  readonly rates?: string;
  readonly duration?: string;
  readonly slices?: string;
  readonly warmup?: string;
  readonly repeat?: string;
  readonly payload?: string;
  readonly connections?: string;
  readonly timeout?: string;
  readonly calibrate?: boolean;
  readonly calibrateDelay?: string;
  readonly driverCapacity?: boolean;
  readonly capacityDuration?: string;
}

/** What the run command already validated: mesh, platform and where output goes. */
export interface BenchTarget {
  readonly mesh: MeshName;
  readonly platform: PlatformName;
  readonly output: string;
  readonly basePort?: number;
  readonly context?: string;
  readonly installMesh: boolean;
}

/**
 * Defaults. The sweep (100/500/1000 rps, 3 repetitions, baseline and meshed) at 20 s per
 * window is 6 minutes of measuring alone, over the 5-minute budget of `make bench`; at 8 s per
 * window, in 20 interleaved slices of 0.4 s, the run takes about 4 minutes 10 s, and each point
 * still pools 24 s per mode (2,400 samples at 100 rps, 24,000 at 1000 rps). `--duration 20s`
 * restores the longer windows. Slices: a window measured in one piece drifts with the machine
 * (p50s of windows minutes apart differed by 15–70% on a shared 2-core VM). The p50 of a slice
 * varies by 12–20% (coefficient of variation) on such a machine, slice to slice, so the more
 * slices a run has, the closer its two halves (the repeatability check): splitting the slices
 * of recorded runs at random into halves, the worst of 6 points differed by more than 10% in
 * 22–74% of splits with 10 slices of 0.8 s, and in 18–20% with 20 or 30 slices.
 */
export const benchDefaults = {
  rates: [100, 500, 1000],
  durationMs: 8_000,
  slices: 20,
  /** Per slice on the local platform: the connections stay open between slices. */
  warmupMs: 100,
  /** Per window on clusters: each window is a fresh k6 run that ramps up its VUs. */
  clusterWarmupMs: 1_000,
  repetitions: 3,
  payloadBytes: 1024,
  /** Istio's published figures use 16 client connections. */
  connections: 16,
  timeoutMs: 5_000,
  calibrationDelayMs: 2,
  capacityDurationMs: 5_000,
  /** Each path driven at the top rate once before the first window (JIT, connections, CPU wake-up). */
  initialWarmupMs: 2_000,
} as const;

function bad(message: string): MeshproofError {
  return new MeshproofError('MESHPROOF_BAD_FLAG', message);
}

/** `500ms`, `2s`, `1.5s`, `1m`, or a bare number of seconds → milliseconds. */
export function parseDurationMs(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!match) throw bad(`${flag} must be a duration such as 500ms, 10s or 1m, not "${text}"`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return value * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
}

/** `1024`, `1KiB`, `4 KiB`, `1MiB` (binary), `1KB`, `1kB`, `2k` (decimal) → bytes. */
export function parsePayloadBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(B|KiB|Ki|KB|kB|k|K|MiB|Mi|MB|M)?\s*$/.exec(text);
  if (!match) throw bad(`--payload must be a size such as 1024, 1KiB or 4KB, not "${text}"`);
  const factors: Record<string, number> = {
    B: 1,
    KiB: 1024,
    Ki: 1024,
    KB: 1000,
    kB: 1000,
    k: 1000,
    K: 1000,
    MiB: 1024 ** 2,
    Mi: 1024 ** 2,
    MB: 1000 ** 2,
    M: 1000 ** 2,
  };
  const bytes = Number(match[1]) * (factors[match[2] ?? 'B'] ?? 1);
  if (!Number.isInteger(bytes))
    throw bad(`--payload must be a whole number of bytes, not "${text}" (${bytes} B)`);
  if (bytes > MAX_PAYLOAD_BYTES)
    throw bad(`--payload is at most ${MAX_PAYLOAD_BYTES} bytes (the echo's cap), not ${bytes}`);
  return bytes;
}

/** `100,500,1000` → ascending distinct positive integers. */
export function parseRates(text: string): number[] {
  const rates = parseList(text, '--rates', 'arrival rate in requests per second (e.g. 100,500,1000)').map(
    (rate) => parseWholeNumber(rate, '--rates', 1, 100_000),
  );
  return [...new Set(rates)].sort((a, b) => a - b);
}

function within(ms: number, flag: string, min: number, max: number): number {
  if (ms < min || ms > max) throw bad(`${flag} must be between ${min} ms and ${max / 1000} s, not ${ms} ms`);
  return ms;
}

/** Checks the flags of a benchmark and resolves defaults; every mistake is a coded one-line error. */
export function benchConfigFromFlags(flags: BenchFlags, target: BenchTarget): BenchConfig {
  const delay =
    flags.calibrateDelay === undefined
      ? benchDefaults.calibrationDelayMs
      : parseDurationMs(flags.calibrateDelay, '--calibrate-delay');
  if (!Number.isInteger(delay) || delay < 1 || delay > 1000) {
    // The echo delays by whole milliseconds.
    throw bad(`--calibrate-delay must be whole milliseconds from 1ms to 1000ms, not ${delay} ms`);
  }
  return {
    ...target,
    rates: flags.rates === undefined ? [...benchDefaults.rates] : parseRates(flags.rates),
    durationMs:
      flags.duration === undefined
        ? benchDefaults.durationMs
        : within(parseDurationMs(flags.duration, '--duration'), '--duration', 200, 3_600_000),
    slices:
      target.platform === 'local'
        ? flags.slices === undefined
          ? benchDefaults.slices
          : parseWholeNumber(flags.slices, '--slices', 1, 20)
        : 1,
    warmupMs:
      flags.warmup === undefined
        ? target.platform === 'local'
          ? benchDefaults.warmupMs
          : benchDefaults.clusterWarmupMs
        : within(parseDurationMs(flags.warmup, '--warmup'), '--warmup', 0, 600_000),
    repetitions:
      flags.repeat === undefined
        ? benchDefaults.repetitions
        : parseWholeNumber(flags.repeat, '--repeat', 1, 20),
    payloadBytes: flags.payload === undefined ? benchDefaults.payloadBytes : parsePayloadBytes(flags.payload),
    connections:
      flags.connections === undefined
        ? benchDefaults.connections
        : parseWholeNumber(flags.connections, '--connections', 1, 1024),
    timeoutMs:
      flags.timeout === undefined
        ? benchDefaults.timeoutMs
        : within(parseDurationMs(flags.timeout, '--timeout'), '--timeout', 100, 600_000),
    maxInFlight: defaultMaxInFlight,
    lateAfterMs: defaultLateAfterMs,
    calibrate: flags.calibrate === true,
    calibrationDelayMs: delay,
    driverCapacity: flags.driverCapacity === true,
    capacityDurationMs:
      flags.capacityDuration === undefined
        ? benchDefaults.capacityDurationMs
        : within(
            parseDurationMs(flags.capacityDuration, '--capacity-duration'),
            '--capacity-duration',
            200,
            600_000,
          ),
  };
}

/** Measured windows of a run: every rate × repetition × mode (two meshed ones in ambient), plus the calibration arm. */
export function windowCount(config: BenchConfig): number {
  return benchSchedule({ ...config, slices: 1 }).length;
}

/**
 * Roughly how long a local run takes, in seconds: the windows with their warm-ups, the capacity
 * runs, the initial warm-up of every path (2 s each), and start-up and path checks (a few seconds);
 * each slice costs about 50 ms of bookkeeping besides its warm-up.
 */
export function estimateLocalBenchSeconds(config: BenchConfig): number {
  const windows = windowCount(config) * (config.slices * (config.warmupMs + 50) + config.durationMs);
  const capacity = config.driverCapacity ? 2 * (config.capacityDurationMs + 1_000) + 1_000 : 0;
  const initialWarmup = (config.calibrate ? 3 : 2) * benchDefaults.initialWarmupMs;
  return Math.round((windows + capacity + initialWarmup + 5_000) / 1000);
}

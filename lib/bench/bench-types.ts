import type { MeshName, PlatformName } from '../model/index.ts';
import type { LatencyHistogram } from '../stats/histogram.ts';
import type { ResourceUsage } from './proc-stats.ts';

/**
 * What is measured in a window: `baseline` (caller → server app, no proxies, no mTLS),
 * `meshed` (the mesh's full data plane: caller → caller's sidecar → mTLS → server's sidecar →
 * server app; in Istio ambient caller → its node's ztunnel → HBONE → the waypoint → the server's
 * node's ztunnel → server app), `meshed-l4` (Istio ambient only: the same without the waypoint),
 * and `calibration` (the baseline path with a known delay added by the server app).
 */
export type BenchMode = 'baseline' | 'meshed' | 'meshed-l4' | 'calibration';

/** The meshed modes, whose figures are read against the baseline. */
export type MeshedMode = Extract<BenchMode, 'meshed' | 'meshed-l4'>;

/** Whether a mode's path goes through the mesh (from the in-mesh client). */
export function isMeshedMode(mode: BenchMode): mode is MeshedMode {
  return mode === 'meshed' || mode === 'meshed-l4';
}

/**
 * The roles of the proxies on a meshed path: the caller's and the server's sidecar; the ztunnel
 * on the caller's node and on the server's node (`ztunnel` when both are on one node, so one pod
 * carries both ends); the waypoint.
 */
export type ProxyRole =
  | 'client-sidecar'
  | 'server-sidecar'
  | 'client-ztunnel'
  | 'server-ztunnel'
  | 'ztunnel'
  | 'waypoint';

/** A validated benchmark configuration. */
export interface BenchConfig {
  readonly mesh: MeshName;
  readonly platform: PlatformName;
  /** Target arrival rates of the sweep, requests per second, ascending. */
  readonly rates: readonly number[];
  /** Measured length of one window (one mode at one rate in one repetition). */
  readonly durationMs: number;
  /**
   * Local platform: each window is measured as this many equal slices, and the slices of all
   * windows are interleaved over the whole run, so that every repetition samples the same slow
   * drift of the machine and repetitions differ only by measurement noise.
   */
  readonly slices: number;
  /** Sent at the slice's (window's) rate just before it and not recorded. */
  readonly warmupMs: number;
  readonly repetitions: number;
  /** Size of the response payload the server app sends back. */
  readonly payloadBytes: number;
  /** Keep-alive connections of the load generator. */
  readonly connections: number;
  readonly timeoutMs: number;
  /** Arrivals beyond this many requests in flight are dropped (and invalidate the window). */
  readonly maxInFlight: number;
  /** A request sent more than this after its intended time counts as late (a generator stall). */
  readonly lateAfterMs: number;
  /** Whether to measure a known delay as a calibration of the whole method. */
  readonly calibrate: boolean;
  /** The known delay the calibration inserts (server app delay). */
  readonly calibrationDelayMs: number;
  /** Whether to measure the load generator's maximum throughput next to wrk. */
  readonly driverCapacity: boolean;
  readonly capacityDurationMs: number;
  /** Where `bench/<run-id>/` is written. */
  readonly output: string;
  readonly basePort?: number;
  readonly context?: string;
  readonly installMesh: boolean;
}

/** One measured window: one mode at one rate in one repetition. */
export interface BenchWindow {
  readonly rateRps: number;
  readonly mode: BenchMode;
  /** 1-based. */
  readonly repetition: number;
  /** Arrivals the schedule asked for in the measured part. */
  readonly scheduled: number;
  readonly sent: number;
  readonly ok: number;
  readonly errors: number;
  readonly errorKinds: Readonly<Record<string, number>>;
  /** Arrivals not sent (no free connection slot / VU): k6's dropped_iterations. */
  readonly dropped: number;
  /** Sent well after the intended time (a generator stall); null where the generator cannot tell (k6). */
  readonly late: number | null;
  readonly elapsedMs: number;
  readonly achievedRps: number;
  /** Latency from the intended send time (or, for k6, from the on-schedule iteration start). */
  readonly latency: LatencyHistogram;
  /** Latency from the actual send; null where not measured separately. */
  readonly serviceTime: LatencyHistogram | null;
  /** Intended → actual send; null where not measured. */
  readonly sendLag: LatencyHistogram | null;
  readonly generator: {
    readonly cpuMillicores: number | null;
    /** Share of the window the generator's event loop was busy, 0..1; null where not known. */
    readonly eventLoopUtilization: number | null;
  };
  /** CPU and memory of the proxies on the window's path (none read in baseline windows). */
  readonly proxies: Readonly<Partial<Record<ProxyRole, ResourceUsage | null>>>;
  /** CPU and memory of the server app. */
  readonly app: ResourceUsage | null;
  /** Share of all the machine's cores busy during the window (anything running), 0..1. */
  readonly machineBusy: number | null;
}

/** The latencies of one point (rate and mode) in one half of the run (odd or even slices), pooled over its repetitions. */
export interface BenchHalf {
  readonly rateRps: number;
  readonly mode: BenchMode;
  readonly half: 1 | 2;
  readonly latency: LatencyHistogram;
}

/** Where and with what the benchmark ran. */
export interface BenchEnvironment {
  readonly platform: PlatformName;
  readonly mesh: MeshName;
  readonly meshVersion: string;
  readonly proxy: { readonly name: string; readonly version: string };
  readonly cores: number;
  readonly cpuModel: string;
  readonly os: string;
  readonly node: string;
  readonly harnessVersion: string;
  /** 1, 5 and 15 minute load averages when the run started: a busy machine makes noisy figures. */
  readonly loadAverageAtStart: readonly number[];
  readonly kubernetesVersion?: string;
}

/** The paths were verified before measuring: meshed requests carried the caller's mTLS identity. */
export interface PathCheck {
  readonly baseline: { readonly status: number; readonly identity: string | null };
  readonly meshed: { readonly status: number; readonly identity: string | null };
  /**
   * Istio ambient's L4 path: answered, and without the identity header the waypoint writes (no
   * waypoint on it; ztunnel copies bytes and adds no header).
   */
  readonly meshedL4?: { readonly status: number; readonly identity: string | null };
  /** The identity the server app must see on the meshed path. */
  readonly expectedIdentity: string;
}

/** One closed-loop maximum-throughput measurement. */
export interface ThroughputSample {
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The generator's CPU (all threads), millicores; null when not measured. */
  readonly generatorCpuMillicores: number | null;
  /** The target's CPU during the run: near 1000 × its threads it, not the generator, was the limit. */
  readonly targetCpuMillicores: number | null;
}

/** The builtin driver's maximum throughput against a local target, next to wrk's. */
export interface DriverCapacity {
  readonly target: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly driver: ThroughputSample & { readonly eventLoopUtilization: number };
  /** wrk's figures, or why there are none. */
  readonly wrk:
    | (ThroughputSample & { readonly threads: number; readonly version: string })
    | { readonly unavailable: string };
}

/** How each path was realised, in words; `meshed-l4` only where the mesh has an L4-only path. */
export type BenchPaths = Readonly<Record<'baseline' | 'meshed' | 'calibration', string>> & {
  readonly 'meshed-l4'?: string;
};

/** Everything one benchmark run observed: the input of the pure report builder. */
export interface BenchRunData {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly config: BenchConfig;
  readonly environment: BenchEnvironment;
  /** How each path was realised on this platform, in words (for the report). */
  readonly paths: BenchPaths;
  readonly pathCheck: PathCheck | null;
  /** Names of the proxies on the meshed paths, by role (the roles this data plane has). */
  readonly proxyNames: Readonly<Partial<Record<ProxyRole, string>>>;
  readonly windows: readonly BenchWindow[];
  /**
   * The run as two interleaved runs (its odd- and even-numbered slices), each a complete benchmark
   * of every point over the whole run: what the repeatability check compares. Empty when windows
   * were not sliced (clusters), where each repetition is a separate run and those are compared.
   */
  readonly halves: readonly BenchHalf[];
  readonly capacity: DriverCapacity | null;
  /**
   * The median of how long the server app actually held the calibration's delayed replies, by its
   * own clock (a busy machine's timers overshoot the nominal delay); null where it cannot be read.
   */
  readonly calibrationWaitMs?: number | null;
  /** Anything the run wants the reader to know (e.g. what could not be measured). */
  readonly notes: readonly string[];
}

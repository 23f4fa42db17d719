/**
 * Every wait in the harness, named and documented in one place (after the Gateway API
 * conformance suite's `timeout.go`). Platforms may scale them: clusters propagate slower.
 */
export interface Timeouts {
  /** Longest wait for a check's intent to be observed after applying configuration. */
  readonly convergenceMs: number;
  /** Consecutive confirming probes needed before the intent counts as observed. */
  readonly convergenceConfirmations: number;
  /** Pause between convergence probes. */
  readonly probeIntervalMs: number;
  /** Client-side timeout of one request unless a plan says otherwise. */
  readonly requestMs: number;
  /** Longest wait for a workload or sidecar to start and listen. */
  readonly workloadStartMs: number;
  /** Longest wait for a proxy to take new configuration. */
  readonly applyMs: number;
  /** Grace period for processes to stop before they are killed. */
  readonly stopGraceMs: number;
}

/** The local platform applies configuration synchronously, so convergence is quick. */
export const localTimeouts: Timeouts = {
  convergenceMs: 1_500,
  convergenceConfirmations: 3,
  probeIntervalMs: 50,
  requestMs: 5_000,
  workloadStartMs: 10_000,
  applyMs: 10_000,
  stopGraceMs: 2_000,
};

/** Clusters: proxies learn configuration from a control plane, and pods take time to start. */
export const clusterTimeouts: Timeouts = {
  convergenceMs: 60_000,
  convergenceConfirmations: 3,
  probeIntervalMs: 500,
  requestMs: 10_000,
  workloadStartMs: 300_000,
  applyMs: 30_000,
  stopGraceMs: 10_000,
};

/** Waits of `meshproof soak` (local to this machine, whatever the platform). */
export const soakTimeouts = {
  /** How often a stress process checks that the soak that started it still runs. */
  stressPollMs: 100,
  /** A stress process ends by itself this long after it started, per run of the soak. */
  stressLifetimePerRunMs: 15 * 60_000,
  /** Longest wait for killed stress processes to be gone. */
  stressStopMs: 2_000,
  /** Period of the machine-load samples taken during each run. */
  loadSampleMs: 1_000,
} as const;

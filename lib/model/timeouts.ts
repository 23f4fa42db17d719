/**
 * Every wait in the harness, named and documented in one place (after the Gateway API
 * conformance suite's `timeout.go`). Platforms may scale them: clusters propagate slower. A slow
 * cluster overrides any of them from a file (`--timeouts FILE` or `MESHPROOF_TIMEOUTS=FILE`,
 * {@link parseTimeoutOverrides}), as Gateway API's suite takes its TimeoutConfig from flags.
 */
import { MeshproofError } from '../errors/meshproof-error.ts';

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

/** Waits of the CI tooling (lib/ci/): fetching the pinned mesh CLIs from their releases. */
export const ciTimeouts = {
  /** Longest one download may take (istioctl is about 30 MB; a loaded runner on a slow mirror). */
  cliDownloadMs: 300_000,
} as const;

/**
 * Waits of the cluster path only (istioctl, linkerd, kubectl, the API), named here with the
 * others. The mesh install may take longer than one readiness wait: istioctl waits up to
 * `--readiness-timeout` for each component it installs (base, then istiod).
 */
export const clusterWaits = {
  /** `istioctl install --readiness-timeout`, and the wait for a control plane to roll out. */
  meshReadinessMs: 300_000,
  /** Longest a mesh install step may take: two components' readiness waits and a margin. */
  meshInstallMs: 660_000,
  /** A CLI's `version` command (the CLIs answer this without a cluster). */
  cliVersionMs: 20_000,
  /** One diagnostic command after a failed check. */
  diagnosticsMs: 60_000,
  /** Margin over a k6 plan's own maximum duration before its exec stream is abandoned. */
  execMarginMs: 30_000,
  /** Margin k6's `maxDuration` gives a plan over the longest its waves of requests may take. */
  k6PlanMarginMs: 30_000,
  /** A short exec (the echo's control paths, `k6 version`). */
  shortExecMs: 30_000,
  /** Pause between two reads of a status that is not decided yet (rollouts, acceptance, deletion). */
  pollMs: 1_000,
  /**
   * Longest an ambient install step may take: istioctl waits up to `--readiness-timeout` for each
   * of its four components (base, istiod, istio-cni, ztunnel), and a margin.
   */
  ambientInstallMs: 1_260_000,
  /**
   * Longest the waypoint may take to be Programmed, the server Service to be bound to it, and
   * istiod to create its GatewayClasses (a pod to pull and start; `istioctl waypoint apply --wait`
   * allows 90 s on a quiet cluster).
   */
  waypointReadyMs: 300_000,
} as const;

/** Waits of the CLI itself on this machine, whatever the platform under test. */
export const cliTimeouts = {
  /** Longest a check of an output folder or TMPDIR may take (a hung mount fails it, coded). */
  fileSystemCheckMs: 5_000,
  /** Longest the run's reaper process may take to start and report that it watches the CLI. */
  reaperStartMs: 15_000,
  /** Grace for a run's processes to stop on SIGTERM before they are killed (Ctrl-C, reaper, stale runs). */
  stopGraceMs: 2_000,
  /** Pause between looks at whether stopped processes are gone. */
  processPollMs: 50,
  /** Pause before removing a work directory again (a process stopped mid-write can add a file). */
  removeRetryMs: 100,
} as const;

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

/** Waits and bounds of chaos timelines (lib/chaos/), whatever the platform. */
export const chaosTimeouts = {
  /** From preparing a timeline to its zero: the streams' first requests must not start late. */
  timelineLeadMs: 50,
  /** Requests one stream may have in flight; an arrival beyond is dropped, counted, and makes the run ERROR. */
  maxInFlightPerStream: 256,
  /**
   * A stream that went this long without sending a request did not keep its schedule (ERROR):
   * it left part of the timeline unobserved. Wide for a loaded machine: measured here at load
   * 13-22 on 2 cores, the send lag's p99 was 14-218 ms at 10-40 requests/s (341 ms with the
   * mutation gate's two installations at once), and 50/s with the main thread spawning processes
   * p99 90 ms; a lag alone only moves a request later, and is reported.
   */
  maxSendGapMs: 750,
  /** Longest a timeline's actions may take in all; the streams stop by then whatever happened. */
  timelineActionsMs: 60_000,
  /** Longest a SIGSTOP, SIGCONT or a process group's SIGKILL may take to take effect (the kernel delivers them asynchronously). */
  signalTakesEffectMs: 2_000,
  /** Pause between looks at whether it has. */
  signalPollMs: 5,
};

/** Milliseconds on the monotonic clock every thread of the process shares (CLOCK_MONOTONIC): a chaos timeline's clock. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Waits of `meshproof bench` beyond those of the platform it runs on. */
export const benchTimeouts = {
  /** Longest the driver-capacity target (a local haproxy) may take to accept requests. */
  capacityTargetStartMs: 10_000,
  /** Pause between looks at whether the driver-capacity target accepts requests. */
  capacityTargetPollMs: 50,
  /** Grace for the driver-capacity target and wrk to stop before they are killed. */
  capacityStopGraceMs: 2_000,
  /** Client-side timeout of one request of the driver-capacity rounds. */
  capacityRequestMs: 5_000,
  /** k6's `maxDuration` for the one-request probe of each benchmark path on a cluster. */
  pathProbeMs: 60_000,
};

/**
 * Every group of named waits, by the name a timeouts file uses for it. The objects are the ones
 * the harness reads, so an override applied at startup is what every wait then uses.
 */
export const timeoutGroups = {
  local: localTimeouts,
  cluster: clusterTimeouts,
  clusterWaits,
  cli: cliTimeouts,
  soak: soakTimeouts,
  ci: ciTimeouts,
  bench: benchTimeouts,
  chaos: chaosTimeouts,
} as const;

export type TimeoutGroup = keyof typeof timeoutGroups;

/** Overrides read from a timeouts file: group → name → value (milliseconds, or a count). */
export type TimeoutOverrides = { readonly [G in TimeoutGroup]?: { readonly [name: string]: number } };

/** Names that count something rather than measure time: whole numbers. */
const counts = new Set(['convergenceConfirmations', 'maxInFlightPerStream']);

/**
 * Reads a timeouts file (JSON: `{"cluster": {"convergenceMs": 120000}, "clusterWaits": {...}}`).
 * Refuses, with MESHPROOF_BAD_TIMEOUTS, anything but known groups and names with positive finite
 * numbers (whole ones for counts), so a typo never leaves a default silently in force.
 */
export function parseTimeoutOverrides(text: string, source: string): TimeoutOverrides {
  const bad = (why: string) =>
    new MeshproofError(
      'MESHPROOF_BAD_TIMEOUTS',
      `${source}: ${why}; the names and values in force: \`meshproof timeouts\``,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw bad(`not JSON (${(cause as Error).message})`);
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(parsed))
    throw bad('must be a JSON object of groups, e.g. {"cluster": {"convergenceMs": 120000}}');
  const overrides: Record<string, Record<string, number>> = {};
  for (const [group, names] of Object.entries(parsed)) {
    if (!Object.hasOwn(timeoutGroups, group)) {
      throw bad(
        `no timeout group ${JSON.stringify(group)} (groups: ${Object.keys(timeoutGroups).join(', ')})`,
      );
    }
    const defaults = timeoutGroups[group as TimeoutGroup] as unknown as Record<string, number>;
    if (!isObject(names)) throw bad(`${group} must be an object of name: value`);
    overrides[group] = {};
    for (const [name, value] of Object.entries(names)) {
      if (!Object.hasOwn(defaults, name)) {
        throw bad(`no timeout ${group}.${name} (${group}: ${Object.keys(defaults).join(', ')})`);
      }
      const whole = counts.has(name);
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        value <= 0 ||
        (whole && !Number.isInteger(value))
      ) {
        throw bad(
          `${group}.${name} must be a positive ${whole ? 'whole number' : 'number of milliseconds'}, not ${JSON.stringify(value)}`,
        );
      }
      overrides[group][name] = value;
    }
  }
  return overrides;
}

/**
 * Puts overrides in force for this process (before any wait starts: the CLI does it while it reads
 * its flags). The one place named timeouts change at run time.
 */
export function applyTimeoutOverrides(overrides: TimeoutOverrides): void {
  for (const [group, names] of Object.entries(overrides)) {
    Object.assign(timeoutGroups[group as TimeoutGroup], names);
  }
}

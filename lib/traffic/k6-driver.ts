import { REQUEST_ID_HEADER } from '../../fixtures/echo/echo-protocol.ts';
import { decodeObservations } from '../../k6/lib/observation.ts';
import type { K6Plan } from '../../k6/lib/plan.ts';
import type {
  CallerName,
  Observation,
  Timeouts,
  TopologyNames,
  TrafficDriver,
  TrafficPlan,
  Version,
} from '../model/index.ts';
import { clusterWaits, egressHostHeader } from '../model/index.ts';
import { clusterExternalAddress } from '../platforms/kubernetes/external-fixtures.ts';
import { serviceHost } from '../platforms/kubernetes/kubernetes-names.ts';
import type { ExecTarget, LiveStep } from '../platforms/kubernetes/live-steps.ts';
import { callerDeployment, k6ScriptsMount } from '../platforms/kubernetes/render-fixtures.ts';
import { requestHeaders } from './echo-headers.ts';

/** The k6 major release the command line below is written for (k6 v2 removed `--no-summary`). */
export const k6Major = 2;

/** Runs a step (an exec in a caller's k6 container) and returns what it printed. */
export type StepExec = (
  step: Extract<LiveStep, { kind: 'exec' }>,
) => Promise<{ readonly stdout: string; readonly stderr: string; readonly exitCode: number }>;

/** The k6 plan of a traffic plan (pure): where to send, what headers, how many, how fast. */
export function toK6Plan(
  plan: TrafficPlan,
  requestIdPrefix: string,
  timeouts: Timeouts,
  names: TopologyNames,
): K6Plan {
  const timeoutMs = plan.timeoutMs ?? timeouts.requestMs;
  const concurrency = Math.max(1, Math.min(plan.concurrency ?? 8, plan.requests));
  const { [REQUEST_ID_HEADER]: _id, ...headers } = requestHeaders(plan, '');
  // A request outside the mesh dials the fixture's Service name (its ClusterIP, which the callers'
  // registry-only sidecar does not know) and names the host in Host (k6 sets req.Host from it).
  const external = plan.egress ? clusterExternalAddress(plan.egress.destination, names) : undefined;
  return {
    url: external
      ? `http://${external.address}:${external.port}${plan.path ?? '/'}`
      : `http://${serviceHost(plan.service, names)}${plan.path ?? '/'}`,
    method: plan.method ?? 'GET',
    headers:
      plan.egress && external ? { ...headers, host: egressHostHeader(plan.egress, external) } : headers,
    requests: plan.requests,
    concurrency,
    timeoutMs,
    // Every request may take the whole timeout; waves of `concurrency` requests run one after another.
    maxDurationSeconds:
      Math.ceil(((Math.ceil(plan.requests / concurrency) + 1) * timeoutMs) / 1000) +
      clusterWaits.k6PlanMarginMs / 1000,
    requestIdPrefix,
    requestIdHeader: REQUEST_ID_HEADER,
    ...(plan.arms && plan.arms.length > 0 ? { arms: plan.arms } : {}),
  };
}

/**
 * The `k6 run` command line executed inside the caller's pod (pure; also written by plan mode).
 * k6 v2: `--summary-mode=disabled` (v2.0.0 removed `--no-summary`), `--quiet` (no progress bars),
 * `--log-format=raw` (console.log lines as they are: the observation lines).
 */
export function k6RunArgv(plan: K6Plan): string[] {
  return [
    'k6',
    'run',
    '--quiet',
    '--summary-mode=disabled',
    '--no-usage-report',
    '--log-format=raw',
    '-e',
    `MESHPROOF_PLAN=${JSON.stringify(plan)}`,
    `${k6ScriptsMount}/run-plan.ts`,
  ];
}

/** Where a caller's k6 runs: its Deployment's pod, container `k6`. */
export function k6ExecTarget(caller: CallerName, names: TopologyNames): ExecTarget {
  const { namespace, name } = callerDeployment(caller, names);
  return { namespace, deployment: name, selector: `app=${name}`, container: 'k6' };
}

/** A k6 command in a caller's pod, bounded by the longest its plan may run plus a margin. */
export function k6ExecStep(
  caller: CallerName,
  names: TopologyNames,
  argv: readonly string[],
  longestMs: number,
  title: string,
): Extract<LiveStep, { kind: 'exec' }> {
  return {
    kind: 'exec',
    title,
    target: k6ExecTarget(caller, names),
    argv,
    deadlineMs: longestMs + clusterWaits.execMarginMs,
  };
}

/** The exec step of one traffic plan: bounded by the plan's own maximum duration and a margin. */
export function k6RunStep(
  k6Plan: K6Plan,
  caller: CallerName,
  names: TopologyNames,
  title: string,
): Extract<LiveStep, { kind: 'exec' }> {
  return k6ExecStep(caller, names, k6RunArgv(k6Plan), k6Plan.maxDurationSeconds * 1000, title);
}

/** `k6 version --json` prints `{"version":"v2.2.0",…}` (k6 internal/cmd/version.go). */
export function k6VersionOf(output: string): string | undefined {
  try {
    const version = (JSON.parse(output.trim()) as { version?: unknown }).version;
    return typeof version === 'string' ? version.replace(/^v/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why the k6 driver cannot send a chaos timeline's streams: k6's `constant-arrival-rate` executor
 * with per-request records streamed back while actions run is not built yet (#15).
 */
export const k6CannotSendAtRate =
  "open-loop streams for a chaos timeline (k6's constant-arrival-rate executor with per-request records) are not built yet (#15)";

/**
 * Why k6 in the caller pods cannot send a plan (pure), or undefined. k6 could present a client
 * certificate with its `tlsAuth` option, but the caller pods send plaintext to the Service and
 * the harness holds no certificate of the cluster mesh's CA: see docs/cluster-contract.md.
 */
export function k6CannotSend(plan: TrafficPlan): string | undefined {
  if (plan.ingress !== undefined) return k6CannotReachIngress;
  if (plan.presents === undefined) return undefined;
  return "the k6 callers cannot yet speak TLS to the server pods presenting forged credentials (another CA's certificate, an expired one, none): the outsider pod sends plaintext to the Service, and an expired certificate would need the cluster mesh's own CA key";
}

/**
 * Why ingress plans are held back on clusters (issue 17 item 3): the live path does not yet
 * deploy the run's gateway (a Deployment with Istio's gateway injection template, its Service and
 * the TLS Secret from the harness CA), and the k6 script does not yet send from outside to it with
 * an SNI of its own and the harness CA as the only root.
 */
const k6CannotReachIngress =
  "the run does not yet deploy its ingress gateway on clusters (Deployment with Istio's gateway injection template, Service, TLS Secret from the harness CA) nor send to it from outside with its own SNI and the harness CA as the only root; the rendered Gateway and VirtualService are validated against the CRDs";

/**
 * The k6 traffic driver (clusters): each plan is one `k6 run` inside the long-lived pod of the
 * caller identity, whose observation lines are read back into the same Observations the
 * builtin driver produces, so checks and verdicts are shared.
 */
export function createK6Driver(exec: StepExec, timeouts: Timeouts, names: TopologyNames): TrafficDriver {
  return {
    cannotSend: k6CannotSend,
    async send(plan, requestIdPrefix) {
      const k6Plan = toK6Plan(plan, requestIdPrefix, timeouts, names);
      const step = k6RunStep(k6Plan, plan.caller, names, `${plan.requests} request(s) as ${plan.caller}`);
      const { stdout, stderr, exitCode } = await exec(step);
      const observations = decodeObservations(`${stdout}\n${stderr}`);
      if (exitCode !== 0 && observations.length === 0) {
        throw new Error(
          `k6 in ${plan.caller}'s pod exited ${exitCode}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
      }
      const byIndex = new Map(observations.map((o) => [o.requestId, o]));
      return Array.from({ length: plan.requests }, (_, i): Observation => {
        const id = `${requestIdPrefix}${i}`;
        const o = byIndex.get(id);
        if (!o)
          return { requestId: id, outcome: 'error', latencyMs: 0, errorDetail: 'k6 reported no observation' };
        const { servedBy, ...rest } = o;
        return servedBy ? { ...rest, servedBy: { ...servedBy, version: servedBy.version as Version } } : rest;
      });
    },
  };
}

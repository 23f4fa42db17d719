import { REQUEST_ID_HEADER } from '../../fixtures/echo/echo-protocol.ts';
import { decodeObservations } from '../../k6/lib/observation.ts';
import type { K6Plan } from '../../k6/lib/plan.ts';
import type {
  CallerName,
  Observation,
  Timeouts,
  TrafficDriver,
  TrafficPlan,
  Version,
} from '../model/index.ts';
import { serviceHost } from '../platforms/kubernetes/kubernetes-names.ts';
import { callerDeployment, k6ScriptsMount } from '../platforms/kubernetes/render-fixtures.ts';
import { requestHeaders } from './echo-headers.ts';

/** Runs a command in a caller's k6 container and returns what it printed. */
export type CallerExec = (
  caller: CallerName,
  argv: readonly string[],
) => Promise<{ readonly stdout: string; readonly stderr: string; readonly exitCode: number }>;

/** The k6 plan of a traffic plan (pure): where to send, what headers, how many, how fast. */
export function toK6Plan(plan: TrafficPlan, requestIdPrefix: string, timeouts: Timeouts): K6Plan {
  const timeoutMs = plan.timeoutMs ?? timeouts.requestMs;
  const concurrency = Math.max(1, Math.min(plan.concurrency ?? 8, plan.requests));
  const { [REQUEST_ID_HEADER]: _id, ...headers } = requestHeaders(plan, '');
  return {
    url: `http://${serviceHost(plan.service)}${plan.path ?? '/'}`,
    method: plan.method ?? 'GET',
    headers,
    requests: plan.requests,
    concurrency,
    timeoutMs,
    // Every request may take the whole timeout; waves of `concurrency` requests run one after another.
    maxDurationSeconds: Math.ceil(((Math.ceil(plan.requests / concurrency) + 1) * timeoutMs) / 1000) + 30,
    requestIdPrefix,
    requestIdHeader: REQUEST_ID_HEADER,
    ...(plan.arms && plan.arms.length > 0 ? { arms: plan.arms } : {}),
  };
}

/** The `k6 run` command line executed inside the caller's pod (pure; also printed by plan mode). */
export function k6RunArgv(plan: K6Plan): string[] {
  return [
    'k6',
    'run',
    '--quiet',
    '--no-summary',
    '--no-usage-report',
    '--log-format=raw',
    '-e',
    `MESHPROOF_PLAN=${JSON.stringify(plan)}`,
    `${k6ScriptsMount}/run-plan.ts`,
  ];
}

/** Where a caller's k6 runs: `kubectl exec -n NS deploy/NAME -c k6 -- …`. */
export function k6ExecTarget(caller: CallerName): {
  readonly namespace: string;
  readonly deployment: string;
} {
  const { namespace, name } = callerDeployment(caller);
  return { namespace, deployment: name };
}

/**
 * The k6 traffic driver (clusters): each plan is one `k6 run` inside the long-lived pod of the
 * caller identity, whose observation lines are read back into the same Observations the
 * builtin driver produces, so checks and verdicts are shared.
 */
export function createK6Driver(exec: CallerExec, timeouts: Timeouts): TrafficDriver {
  return {
    async send(plan, requestIdPrefix) {
      const k6Plan = toK6Plan(plan, requestIdPrefix, timeouts);
      const { stdout, stderr, exitCode } = await exec(plan.caller, k6RunArgv(k6Plan));
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

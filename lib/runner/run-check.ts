import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTimeline, scheduleNotKept } from '../chaos/run-timeline.ts';
import type {
  Check,
  CheckResult,
  CheckTarget,
  Environment,
  JudgeContext,
  Judgement,
  Observation,
  RenderedResource,
  TrafficPlan,
} from '../model/index.ts';
import { isSampled, metricsDelta, metricsUnreadOn, whyNotRunnable } from '../model/index.ts';

/** Runs one check against a running environment and returns its result for the report. */
export async function runCheck(check: Check, env: Environment, tag: string): Promise<CheckResult> {
  const started = performance.now();
  // Request ids must be unique across checks: the echo ledger is looked up by id prefix.
  const runTag = `${tag}.${randomBytes(4).toString('hex')}`;
  const base = {
    id: check.id,
    description: check.description,
    profile: check.profile,
    features: check.features,
  };
  const elapsed = () => Math.round(performance.now() - started);

  const missing = whyNotRunnable(check, targetOf(env));
  if (missing.length > 0) {
    return {
      ...base,
      status: 'NOT_SUPPORTED',
      durationMs: elapsed(),
      want: 'the mesh supports the features this check needs',
      got: `${env.mesh.name} does not support ${missing.join('; ')}`,
      reason: missing.join('; '),
      evidence: {},
    };
  }

  // A check's run, step by step: configure the mesh, force its faults, wait for the intent to be
  // in effect, sample until judged, capture diagnostics on failure; reset whatever happened.
  let resources: RenderedResource[] = [];
  try {
    resources = env.mesh.render(check.intents);
    const applied = performance.now();
    await env.apply(resources);
    for (const action of check.chaos ?? []) await env.chaos(action);
    const ctx: JudgeContext = {
      identityOf: (caller) => env.mesh.identityOf(caller),
      denialOf: (caller) => env.mesh.denialOf(caller),
      finalLook: false,
    };
    const propagationMs = await converge(check, env, ctx, runTag, applied);
    if (check.timeline) {
      const record = await runTimeline(check.timeline, env, `${runTag}.timeline.`);
      const notKept = scheduleNotKept(record.schedule);
      const judgement = check.timeline.judge(record, ctx);
      const requests = Object.fromEntries(Object.entries(record.streams).map(([n, o]) => [n, o.length]));
      const evidence = {
        ...judgement.evidence,
        timeline: judgement.timeline,
        requests: { kind: 'requests' as const, byTraffic: requests },
      };
      // A schedule not kept says nothing about the disruption: neither PASSED nor FAILED.
      const status = notKept ? 'ERROR' : judgement.status;
      return {
        ...base,
        status,
        durationMs: elapsed(),
        want: judgement.want,
        got: notKept
          ? `${notKept} (the verdict would have been ${judgement.status}: ${judgement.got})`
          : judgement.got,
        ...(notKept ? { reason: notKept } : {}),
        evidence,
        ...(check.convergence ? { propagationMs } : {}),
        resources,
        ...(status !== 'PASSED' ? { diagnostics: await env.diagnostics() } : {}),
      };
    }
    const { judgement, requests } = await sampleAndJudge(check, env, ctx, runTag);
    const failed = judgement.status !== 'PASSED';
    return {
      ...base,
      status: failed ? 'FAILED' : 'PASSED',
      durationMs: elapsed(),
      want: judgement.want,
      got: judgement.got,
      evidence: { ...judgement.evidence, requests: { kind: 'requests', byTraffic: requests } },
      ...(check.convergence ? { propagationMs } : {}),
      ...(check.alpha !== undefined ? { alpha: check.alpha } : {}),
      resources,
      ...(failed ? { diagnostics: await env.diagnostics() } : {}),
    };
  } catch (error) {
    return {
      ...base,
      status: 'ERROR',
      durationMs: elapsed(),
      want: 'the harness runs the check to a verdict',
      got: `the harness broke: ${(error as Error).message}`,
      reason: (error as Error).message,
      evidence: {},
      resources,
      diagnostics: await env.diagnostics().catch(() => []),
    };
  } finally {
    await env.reset();
  }
}

/** The mesh and platform of a running environment, as {@link whyNotRunnable} asks about them. */
function targetOf(env: Environment): CheckTarget {
  return {
    support: env.mesh.support,
    cannotRender: (intents) => env.mesh.cannotRender(intents),
    platform: env.platform,
    cannotSend: (plan) => env.driver.cannotSend?.(plan),
    cannotChaos: (action) => env.cannotChaos(action),
    ...(env.requestMetrics ? {} : { cannotReadMetrics: metricsUnreadOn(env.platform) }),
    ...(env.driver.prepareAtRate
      ? {}
      : { cannotSendAtRate: 'its traffic driver cannot send at a constant arrival rate' }),
  };
}

/**
 * Probes until the check's intent is observed on `convergenceConfirmations` consecutive
 * requests. Returns the time that took, or null when it was not seen before the named timeout
 * (the check then measures anyway and the report says propagation was not confirmed).
 */
async function converge(
  check: Check,
  env: Environment,
  ctx: JudgeContext,
  runTag: string,
  applied: number,
): Promise<number | null> {
  if (!check.convergence) return null;
  const { plan, confirmed, confirmedBatch } = check.convergence;
  const started = performance.now();
  let consecutive = 0;
  for (let probe = 0; performance.now() - started < env.timeouts.convergenceMs; probe++) {
    const observations = await env.driver.send(plan, `${runTag}.probe.${probe}.`);
    const seen = confirmedBatch
      ? confirmedBatch(observations, ctx)
      : observations.some((o) => confirmed(o, ctx));
    consecutive = seen ? consecutive + 1 : 0;
    // Propagation counts from the moment configuration was handed to the mesh.
    if (consecutive >= env.timeouts.convergenceConfirmations) {
      const propagationMs = Math.round(performance.now() - applied);
      if (check.convergence.settleMs) await sleep(check.convergence.settleMs);
      return propagationMs;
    }
    if (consecutive === 0) await sleep(env.timeouts.probeIntervalMs);
  }
  return null;
}

async function sampleAndJudge(
  check: Check,
  env: Environment,
  ctx: JudgeContext,
  runTag: string,
): Promise<{ judgement: Judgement; requests: Record<string, number> }> {
  const observations: Record<string, Observation[]> = {};
  const entries = Object.entries(check.traffic) as [string, Check['traffic'][string]][];
  let look = 0;
  const sendBatch = async (name: string, plan: TrafficPlan, requests: number) => {
    const prefix = `${runTag}.${name}.${look}.`;
    const batch = await env.driver.send({ ...plan, requests }, prefix);
    const seen = plan.ledger ? await env.ledger(prefix) : undefined;
    const list = observations[name] ?? [];
    for (const o of batch) list.push(seen ? { ...o, serverAttempts: seen.get(o.requestId) ?? 0 } : o);
    observations[name] = list;
  };
  // The mesh's counters are read around the traffic: the judge sees what this traffic added.
  const scrape = check.readsMetrics ? env.requestMetrics?.bind(env) : undefined;
  const before = scrape ? await scrape() : undefined;
  const metricsSince = async () => (scrape && before ? metricsDelta(before, await scrape()) : undefined);
  for (const [name, traffic] of entries) {
    if (isSampled(traffic))
      await sendBatch(name, traffic.plan, Math.min(traffic.batchSize, traffic.maxRequests));
    else await sendBatch(name, traffic, traffic.requests);
  }
  for (;;) {
    const open = entries.filter(
      ([name, t]) => isSampled(t) && (observations[name]?.length ?? 0) < t.maxRequests,
    );
    const metrics = await metricsSince();
    const judgement = check.judge(observations, {
      ...ctx,
      finalLook: open.length === 0,
      ...(metrics ? { metrics } : {}),
    });
    const requests = Object.fromEntries(Object.entries(observations).map(([n, o]) => [n, o.length]));
    if (judgement.status !== 'CONTINUE') return { judgement, requests };
    if (open.length === 0) {
      return {
        judgement: {
          ...judgement,
          status: 'FAILED',
          got: `${judgement.got} (undecided at the sampling cap)`,
        },
        requests,
      };
    }
    look++;
    for (const [name, t] of open) {
      if (!isSampled(t)) continue;
      const remaining = t.maxRequests - (observations[name]?.length ?? 0);
      await sendBatch(name, t.plan, Math.min(t.batchSize, remaining));
    }
  }
}

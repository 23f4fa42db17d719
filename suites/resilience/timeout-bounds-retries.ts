import { latencyEvidence } from '../../lib/judges/latency.ts';
import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { Observation } from '../../lib/model/index.ts';
import {
  attempts,
  defineCheck,
  describeAttempts,
  describeOutcomes,
  Feature,
  values,
} from '../../lib/model/index.ts';

const serverDelayMs = 5_000;
/** A route timeout over retries on 5xx, without a per-try timeout: the one attempt is cut off. */
const alone = { timeoutMs: 1_000, retries: 2 } as const;
/** Both timeouts on one rule: attempts end at the per-try timeout until the route timeout ends all. */
const both = { timeoutMs: 2_000, perTryTimeoutMs: 250, retries: 10 } as const;
/** Attempt k starts no earlier than (k − 1) per-try timeouts in, so at most this many start in time. */
const mostAttempts = Math.ceil(both.timeoutMs / both.perTryTimeoutMs);
const caseHeader = 'x-timeout-case';
const { route, convergence } = probedRoute(
  [
    {
      matchHeaders: { [caseHeader]: 'route-timeout' },
      backends: [{ version: 'v1', weight: 1 }],
      timeoutMs: alone.timeoutMs,
      retries: { attempts: alone.retries, retryOn: ['5xx'] },
    },
    {
      matchHeaders: { [caseHeader]: 'both-timeouts' },
      backends: [{ version: 'v1', weight: 1 }],
      timeoutMs: both.timeoutMs,
      retries: { attempts: both.retries, perTryTimeoutMs: both.perTryTimeoutMs, retryOn: ['5xx'] },
    },
  ],
  'v2',
);

const slowPlan = (value: string) => ({
  caller: 'client' as const,
  service: 'server' as const,
  headers: { [caseHeader]: value },
  echo: { delayMs: serverDelayMs },
  requests: 10,
  concurrency: 10,
  ledger: true,
  timeoutMs: serverDelayMs * 2,
});

/** A 504 the caller's proxy made (not the server's answer), no earlier than the timeout. */
const cutAt = (o: Observation, timeoutMs: number) =>
  o.outcome === 'response' && o.status === 504 && !o.servedBy && o.latencyMs >= timeoutMs * 0.98;

/** The route timeout bounds the whole request, retries included, and a per-try timeout on the same rule still applies. */
export const timeoutBoundsRetries = defineCheck({
  id: 'resilience.timeout.bounds-retries',
  description: `A route timeout bounds the whole request, retries included (Envoy's global timeout, which it never retries). With a ${alone.timeoutMs} ms route timeout and ${alone.retries} retries on 5xx, a server taking ${serverDelayMs} ms yields one 504 after at most 1 attempt, not one per retry. With both a ${both.perTryTimeoutMs} ms per-try timeout and a ${both.timeoutMs} ms route timeout (${both.retries} retries), both apply: attempts end at the per-try timeout and are retried (at least 2 attempts), and the route timeout ends the request with 504 after at most ${mostAttempts} attempts (attempt k cannot start before ${both.perTryTimeoutMs}·(k − 1) ms), not after all ${both.retries + 1}. Bounds: attempt counts at the server and the timeouts as lower bounds (each no earlier than 98% of the timeout), none of which load can turn in a defect's favour; only the second attempt has to reach the server within ${both.timeoutMs - both.perTryTimeoutMs} ms of the first timing out.`,
  features: [Feature.Retries, Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    routeTimeout: slowPlan('route-timeout'),
    bothTimeouts: slowPlan('both-timeouts'),
  },
  judge: ({ routeTimeout, bothTimeouts }) => {
    const once = routeTimeout.filter((o) => cutAt(o, alone.timeoutMs) && (o.serverAttempts ?? 0) <= 1);
    const bounded = bothTimeouts.filter((o) => {
      const attempts = o.serverAttempts ?? 0;
      return cutAt(o, both.timeoutMs) && attempts >= 2 && attempts <= mostAttempts;
    });
    const latency = (list: readonly Observation[], timeoutMs: number) =>
      latencyEvidence(list, { fromMs: timeoutMs * 0.98, toMs: serverDelayMs }, [
        { label: 'route timeout', ms: timeoutMs },
      ]);
    return {
      status:
        once.length === routeTimeout.length && bounded.length === bothTimeouts.length ? 'PASSED' : 'FAILED',
      want: `route timeout alone: 504 from the proxy after at most 1 attempt ×${routeTimeout.length}, none before ${alone.timeoutMs * 0.98} ms; both timeouts: 504 after 2–${mostAttempts} attempts ×${bothTimeouts.length}, none before ${both.timeoutMs * 0.98} ms`,
      got: `route timeout alone: ${describeOutcomes(routeTimeout)}, ${describeAttempts(routeTimeout)}, latency ${latency(routeTimeout, alone.timeoutMs).summary}; both timeouts: ${describeOutcomes(bothTimeouts)}, ${describeAttempts(bothTimeouts)}, latency ${latency(bothTimeouts, both.timeoutMs).summary}`,
      evidence: {
        ...values({ alone: { ...alone }, both: { ...both }, mostAttempts }),
        attempts: attempts({
          routeTimeout: routeTimeout.map((o) => o.serverAttempts ?? 0),
          bothTimeouts: bothTimeouts.map((o) => o.serverAttempts ?? 0),
        }),
        routeTimeoutLatency: latency(routeTimeout, alone.timeoutMs),
        bothTimeoutsLatency: latency(bothTimeouts, both.timeoutMs),
      },
    };
  },
});

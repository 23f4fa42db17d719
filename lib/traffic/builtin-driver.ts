import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { appHeadersOf, isEchoReply } from '../../fixtures/echo/echo-protocol.ts';
import type {
  CallerName,
  EgressTarget,
  ForgedCredential,
  IngressRequest,
  Observation,
  ServiceName,
  Timeouts,
  TrafficDriver,
  TrafficPlan,
  Version,
} from '../model/index.ts';
import { classifyClientError } from './classify-error.ts';
import { armOf, requestHeaders } from './echo-headers.ts';
import { originalDestinationConnector } from './original-destination.ts';
import { prepareAtRateInWorker } from './rate-sender.ts';
import type { TrafficTarget } from './traffic-target.ts';

export type ResolveTarget = (
  caller: CallerName,
  service: ServiceName,
  presents?: ForgedCredential,
  ingress?: IngressRequest,
  egress?: EgressTarget,
) => TrafficTarget;

const defaultConcurrency = 8;

/**
 * The builtin traffic driver (local platform): undici connection pools, one fresh set per
 * plan so that no connection outlives a configuration change.
 */
export function createBuiltinDriver(resolve: ResolveTarget, timeouts: Timeouts): TrafficDriver {
  return {
    async send(plan, requestIdPrefix) {
      const target = resolve(plan.caller, plan.service, plan.presents, plan.ingress, plan.egress);
      const concurrency = Math.max(1, Math.min(plan.concurrency ?? defaultConcurrency, plan.requests));
      const pools = poolsFor(target, concurrency);
      const observations: Observation[] = new Array(plan.requests);
      let next = 0;
      const batchStarted = performance.now();
      const worker = async () => {
        for (let i = next++; i < plan.requests; i = next++) {
          const origin = target.origins[Math.floor(Math.random() * target.origins.length)] ?? '';
          const arm = armOf(plan, i);
          const observation = await sendOne(
            pools.get(origin) as Pool,
            arm ? { ...plan, headers: { ...plan.headers, ...arm.headers } } : plan,
            target.host,
            `${requestIdPrefix}${i}`,
            timeouts,
            batchStarted,
          );
          observations[i] = arm ? { ...observation, arm: arm.name } : observation;
        }
      };
      try {
        await Promise.all(Array.from({ length: concurrency }, worker));
      } finally {
        await Promise.all([...pools.values()].map((p) => p.destroy()));
      }
      return observations;
    },

    prepareAtRate(plan, schedule, requestIdPrefix) {
      const target = resolve(plan.caller, plan.service, plan.presents);
      return prepareAtRateInWorker(target, plan, schedule, requestIdPrefix, timeouts);
    },
  };
}

/** A connection pool per origin of a target, each of `connections`, speaking TLS where the target does. */
export function poolsFor(target: TrafficTarget, connections: number): Map<string, Pool> {
  const connect =
    target.connector ??
    (target.originalDestination
      ? originalDestinationConnector(target.originalDestination)
      : target.tls
        ? { cert: target.tls.certificatePem, key: target.tls.privateKeyPem, rejectUnauthorized: false }
        : undefined);
  return new Map(
    target.origins.map((origin) => [
      origin,
      new Pool(origin, { connections, ...(connect ? { connect } : {}) }),
    ]),
  );
}

/** Sends one request of a plan on a pool and observes how it ended (also used by the rate worker). */
export async function sendOne(
  pool: Pool,
  plan: TrafficPlan,
  host: string,
  requestId: string,
  timeouts: Timeouts,
  batchStarted: number,
): Promise<Observation> {
  const started = performance.now();
  const sentAtMs = started - batchStarted;
  const timeoutMs = plan.timeoutMs ?? timeouts.requestMs;
  // Set once the headers are in: a body cut off later keeps them (a trickle stopped by a timeout).
  let headersOf: { readonly status: number; readonly headersMs: number } | undefined;
  try {
    const response = await pool.request({
      path: plan.path ?? '/',
      method: (plan.method ?? 'GET') as 'GET',
      headers: { ...requestHeaders(plan, requestId), host },
      ...(plan.body !== undefined ? { body: plan.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const headersMs = performance.now() - started;
    headersOf = { status: response.statusCode, headersMs };
    const text = await response.body.text();
    const latencyMs = performance.now() - started;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const reply = parseJson(text);
    const base = {
      requestId,
      outcome: 'response' as const,
      status: response.statusCode,
      sentAtMs,
      latencyMs,
      headersMs,
      headers,
    };
    if (!isEchoReply(reply)) return base;
    const appHeaders = appHeadersOf(reply.headers);
    return {
      ...base,
      servedBy: { version: reply.version as Version, instance: reply.instance, service: reply.service },
      attempt: reply.attempt,
      path: reply.path,
      identity: reply.identity ? { header: reply.identity.header, value: reply.identity.value } : null,
      ...(Object.keys(appHeaders).length > 0 ? { appHeaders } : {}),
    };
  } catch (error) {
    return {
      requestId,
      outcome: classifyClientError(error),
      ...headersOf,
      sentAtMs,
      latencyMs: performance.now() - started,
      errorDetail: (error as Error).message,
    };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

import { probedRoute } from '../../lib/judges/route-probe.ts';
import {
  attempts,
  defineCheck,
  describeAttempts,
  describeOutcomes,
  Feature,
  isSuccess,
  values,
} from '../../lib/model/index.ts';

const perTryTimeoutMs = 1_000;
const retries = 4;
const slowFirstAttemptMs = 4_000;
/** Answers well within the per-try timeout, and later than a per-try timeout of a tenth. */
const inTimeMs = 250;
const { route, convergence } = probedRoute(
  [
    {
      backends: [{ version: 'v1', weight: 1 }],
      retries: { attempts: retries, perTryTimeoutMs, retryOn: ['5xx'] },
    },
  ],
  'v2',
);

/** A slow attempt is abandoned at the per-try timeout and retried; an attempt in time is not. */
export const retriesPerTryTimeout = defineCheck({
  id: 'resilience.retries.per-try-timeout',
  description: `With a ${perTryTimeoutMs} ms per-try timeout and ${retries} retries on 5xx, a request whose first attempt would take ${slowFirstAttemptMs} ms is answered 2xx by a retry (attempt 2 or later, counted by the server that answered), no earlier than the per-try timeout; and a request answered in ${inTimeMs} ms on every attempt is not retried (exactly 1 attempt), the near miss of a per-try timeout applied too early. Bounds: the answering attempt is judged, not the latency, because load cannot turn a retry into a first attempt; the per-try timeout is a lower bound load cannot break; a retry that is itself slowed past the per-try timeout by load is retried again, so attempt 3 or later answering is correct too. The ${perTryTimeoutMs - inTimeMs} ms between the in-time answer and the per-try timeout is the room a loaded machine has before a conformant mesh would rightly retry it.`,
  features: [Feature.Retries, Feature.Timeouts],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    slowFirst: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: slowFirstAttemptMs, delayAttempts: 1 },
      requests: 10,
      concurrency: 10,
      ledger: true,
      timeoutMs: slowFirstAttemptMs * 2,
    },
    inTime: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: inTimeMs },
      requests: 10,
      concurrency: 10,
      ledger: true,
    },
  },
  judge: ({ slowFirst, inTime }) => {
    const retried = slowFirst.filter(
      (o) => isSuccess(o) && (o.attempt ?? 1) >= 2 && o.latencyMs >= perTryTimeoutMs * 0.98,
    );
    const once = inTime.filter((o) => isSuccess(o) && o.serverAttempts === 1);
    const latencies = slowFirst.map((o) => Math.round(o.latencyMs));
    const answering = [...new Set(slowFirst.map((o) => o.attempt ?? '-'))].join('/');
    return {
      status: retried.length === slowFirst.length && once.length === inTime.length ? 'PASSED' : 'FAILED',
      want: `slow first attempt: 2xx from attempt ≥ 2 ×${slowFirst.length}, none before ${perTryTimeoutMs * 0.98} ms; in time: 2xx after exactly 1 attempt ×${inTime.length}`,
      got: `slow first attempt: ${describeOutcomes(slowFirst)}, answered by attempt ${answering}, latency ${Math.min(...latencies)}–${Math.max(...latencies)} ms; in time: ${describeOutcomes(inTime)}, ${describeAttempts(inTime)}`,
      evidence: {
        ...values({ perTryTimeoutMs }),
        latenciesMs: {
          kind: 'latencies',
          valuesMs: latencies,
          marks: [{ label: 'per try timeout', ms: perTryTimeoutMs }],
        },
        ...values({ answeringAttempts: slowFirst.map((o) => o.attempt ?? 0) }),
        attempts: attempts({
          slowFirst: slowFirst.map((o) => o.serverAttempts ?? 0),
          inTime: inTime.map((o) => o.serverAttempts ?? 0),
        }),
      },
    };
  },
});

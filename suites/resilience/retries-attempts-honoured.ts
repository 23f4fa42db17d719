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

const retries = 2;
/** A client error: outside 5xx, so never retried. */
const clientError = 404;
const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: { attempts: retries, retryOn: ['5xx'] } }],
  'v2',
);
/** Retries are counted exactly where they land: at the server. */
export const retriesAttemptsHonoured = defineCheck({
  id: 'resilience.retries.attempts-honoured',
  description: `With ${retries} retries on 5xx, a request whose first ${retries} attempts fail succeeds after exactly ${retries + 1} attempts, and one whose first ${retries + 1} fail ends in failure after exactly ${retries + 1} attempts (counted by the server). Near misses: one retry too many or too few, and the other status class: a request answered ${clientError} is returned after exactly 1 attempt (a retry cannot mend a client error).`,
  features: [Feature.Retries],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    recovers: {
      caller: 'client',
      service: 'server',
      echo: { failAttempts: retries },
      requests: 20,
      ledger: true,
    },
    exhausts: {
      caller: 'client',
      service: 'server',
      echo: { failAttempts: retries + 1 },
      requests: 20,
      ledger: true,
    },
    clientErrors: {
      caller: 'client',
      service: 'server',
      echo: { failAttempts: 1, failStatus: clientError },
      requests: 20,
      ledger: true,
    },
  },
  judge: ({ recovers, exhausts, clientErrors }) => {
    const total = retries + 1;
    const recovered = recovers.filter((o) => isSuccess(o) && o.serverAttempts === total).length;
    const exhausted = exhausts.filter((o) => !isSuccess(o) && o.serverAttempts === total).length;
    const returned = clientErrors.filter(
      (o) => o.outcome === 'response' && o.status === clientError && o.serverAttempts === 1,
    ).length;
    const all =
      recovered === recovers.length && exhausted === exhausts.length && returned === clientErrors.length;
    return {
      status: all ? 'PASSED' : 'FAILED',
      want: `fail first ${retries}: 2xx after exactly ${total} attempts (×${recovers.length}); fail first ${total}: failure after exactly ${total} attempts (×${exhausts.length}); ${clientError}: returned after exactly 1 attempt (×${clientErrors.length})`,
      got: `fail first ${retries}: ${describeOutcomes(recovers)}, ${describeAttempts(recovers)}; fail first ${total}: ${describeOutcomes(exhausts)}, ${describeAttempts(exhausts)}; ${clientError}: ${describeOutcomes(clientErrors)}, ${describeAttempts(clientErrors)}`,
      evidence: {
        ...values({ retries }),
        attempts: attempts({
          recovers: recovers.map((o) => o.serverAttempts ?? 0),
          exhausts: exhausts.map((o) => o.serverAttempts ?? 0),
          clientErrors: clientErrors.map((o) => o.serverAttempts ?? 0),
        }),
      },
    };
  },
});

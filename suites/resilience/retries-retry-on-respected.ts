import { probedRoute } from '../../lib/judges/route-probe.ts';
import { attempts, defineCheck, describeAttempts, describeOutcomes, Feature } from '../../lib/model/index.ts';

const { route, convergence } = probedRoute(
  [{ backends: [{ version: 'v1', weight: 1 }], retries: { attempts: 2, retryOn: ['connect-failure'] } }],
  'v2',
);

/** Retrying what the policy does not name (a 503 when only connect failures are retriable) is a defect. */
export const retriesRetryOnRespected = defineCheck({
  id: 'resilience.retries.retry-on-respected',
  description:
    'With 2 retries on connect-failure only, a 503 from the server is returned to the client after exactly 1 attempt: failures outside the retry conditions are not retried (the near miss of a mesh that retries every 5xx whatever the conditions say). Judged by the attempts the server counted.',
  features: [Feature.Retries],
  profile: 'core',
  intents: [route],
  convergence,
  traffic: {
    unretriable: {
      caller: 'client',
      service: 'server',
      echo: { failAttempts: 1 },
      requests: 20,
      ledger: true,
    },
  },
  judge: ({ unretriable }) => {
    const once = unretriable.filter(
      (o) => o.outcome === 'response' && o.status === 503 && o.serverAttempts === 1,
    );
    return {
      status: once.length === unretriable.length ? 'PASSED' : 'FAILED',
      want: `503 after exactly 1 attempt ×${unretriable.length}`,
      got: `${describeOutcomes(unretriable)}; ${describeAttempts(unretriable)}`,
      evidence: { attempts: attempts({ unretriable: unretriable.map((o) => o.serverAttempts ?? 0) }) },
    };
  },
});

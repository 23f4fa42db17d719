import { defineCheck, describeOutcomes, Feature, isSuccess, values } from '../../lib/model/index.ts';

const consecutive5xx = 3;
const requests = 60;
/** Requests after which the failing endpoint must be out of rotation. */
const settledAfter = 30;

/** An endpoint that keeps failing is ejected, and errors stop. */
export const outlierEjection = defineCheck({
  id: 'resilience.circuit.outlier-ejection',
  description: `When one of the server's endpoints (v3) answers every request with 503, outlier detection (${consecutive5xx} consecutive 5xx) ejects it: after the first ${settledAfter} of ${requests} sequential requests, none fails, and at most half of the first ${settledAfter} do. Judged by counts, not latency.`,
  features: [Feature.OutlierDetection],
  profile: 'extended',
  intents: [
    {
      kind: 'OutlierDetection',
      service: 'server',
      consecutive5xx,
      intervalMs: 1_000,
      baseEjectionMs: 30_000,
      maxEjectionPercent: 100,
    },
  ],
  chaos: [{ kind: 'fail-workload', version: 'v3', status: 503 }],
  // The policy may reach the client's proxy after the first requests: measure only once a probe
  // of sequential requests sees no failure at all (without ejection, 12 requests miss the failing
  // third of the endpoints with probability (2/3)^12 < 1%, three probes in a row far less).
  convergence: {
    plan: { caller: 'client', service: 'server', requests: 12, concurrency: 1 },
    confirmed: isSuccess,
    confirmedBatch: (probe) => probe.length > 0 && probe.every(isSuccess),
  },
  traffic: { sequential: { caller: 'client', service: 'server', requests, concurrency: 1 } },
  judge: ({ sequential }) => {
    const early = sequential.slice(0, settledAfter);
    const late = sequential.slice(settledAfter);
    const lateFailures = late.filter((o) => !isSuccess(o)).length;
    const earlyFailures = early.filter((o) => !isSuccess(o)).length;
    return {
      status: lateFailures === 0 && earlyFailures <= settledAfter / 2 ? 'PASSED' : 'FAILED',
      want: `after the first ${settledAfter} requests, 2xx ×${late.length} (the failing endpoint ejected)`,
      got: `first ${settledAfter}: ${describeOutcomes(early)}; last ${late.length}: ${describeOutcomes(late)}`,
      evidence: values({
        consecutive5xx,
        statuses: sequential.map((o) => (o.outcome === 'response' ? (o.status ?? null) : o.outcome)),
      }),
    };
  },
});

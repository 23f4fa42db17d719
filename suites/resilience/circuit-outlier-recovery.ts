import {
  defineCheck,
  describeOutcomes,
  describeServedBy,
  Feature,
  isSuccess,
  values,
} from '../../lib/model/index.ts';

const consecutive5xx = 3;
const baseEjectionMs = 2_000;
const intervalMs = 500;
const failing = 60;
/** Requests after which the failing endpoint must be out of rotation. */
const settledAfter = 30;
/** Paced so that the recovered plan outlasts the ejection by a wide margin. */
const pacingMs = 60;
const recovered = 100;

/** An ejected endpoint comes back once its ejection time has passed and it answers well again. */
export const outlierRecovery = defineCheck({
  id: 'resilience.circuit.outlier-recovery',
  description: `Outlier detection ejects only the endpoint that fails, and returns it: while v3 answers 503 to ${failing} sequential requests (${consecutive5xx} consecutive 5xx eject it), the last ${failing - settledAfter} see no failure and v1 and v2 both keep serving; once v3 answers well again, it is back in rotation within the ${baseEjectionMs} ms base ejection time plus the ${intervalMs} ms interval: ${recovered} requests paced ${pacingMs} ms apart (${(recovered * pacingMs) / 1000} s, more than twice that) are served by v3 too, none failing. Near miss: an ejection that never ends. Bounds: counts of who served, not latency; the pacing gives v3 ${((recovered * pacingMs) / 1000 - (baseEjectionMs + intervalMs) / 1000).toFixed(1)} s of slack to come back.`,
  features: [Feature.OutlierDetection],
  profile: 'extended',
  intents: [
    {
      kind: 'OutlierDetection',
      service: 'server',
      consecutive5xx,
      intervalMs,
      baseEjectionMs,
      maxEjectionPercent: 100,
    },
  ],
  traffic: {
    failing: {
      caller: 'client',
      service: 'server',
      echo: { failVersions: ['v3'] },
      requests: failing,
      concurrency: 1,
    },
    recovered: {
      caller: 'client',
      service: 'server',
      echo: { delayMs: pacingMs },
      requests: recovered,
      concurrency: 1,
    },
  },
  judge: ({ failing: sick, recovered: healed }) => {
    const late = sick.slice(settledAfter);
    const lateFailures = late.filter((o) => !isSuccess(o)).length;
    const lateVersions = new Set(late.filter(isSuccess).map((o) => o.servedBy?.version));
    const healthyKept = lateVersions.has('v1') && lateVersions.has('v2');
    const backOnV3 = healed.filter((o) => isSuccess(o) && o.servedBy?.version === 'v3').length;
    const healedFailures = healed.filter((o) => !isSuccess(o)).length;
    const passed = lateFailures === 0 && healthyKept && backOnV3 > 0 && healedFailures === 0;
    return {
      status: passed ? 'PASSED' : 'FAILED',
      want: `v3 failing: after the first ${settledAfter} requests no failure, v1 and v2 both serving; v3 healed: some of ${healed.length} requests served by v3, none failing`,
      got: `v3 failing: first ${settledAfter}: ${describeOutcomes(sick.slice(0, settledAfter))}; last ${late.length}: ${describeServedBy(late)}; v3 healed: ${describeServedBy(healed)}`,
      evidence: values({
        consecutive5xx,
        baseEjectionMs,
        failing: sick.map((o) => (isSuccess(o) ? (o.servedBy?.version ?? '?') : (o.status ?? o.outcome))),
        recovered: healed.map((o) => (isSuccess(o) ? (o.servedBy?.version ?? '?') : (o.status ?? o.outcome))),
      }),
    };
  },
});

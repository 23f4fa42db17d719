import type { Judgement, Observation, SampledPlan, TrafficPlan } from '../model/index.ts';
import { decideRatio, describeRatioVerdict, planRatioSampling, type SamplingPlan } from '../stats/index.ts';

/** A proportion check: shares per category, judged at a stated false-failure rate. */
export interface RatioSpec {
  /** Expected share per category, e.g. `{ v1: 0.9, v2: 0.1 }` or `{ aborted: 0.1 }`. */
  readonly targets: Readonly<Record<string, number>>;
  /** Absolute tolerance on each share. */
  readonly tolerance: number;
  /** False-failure rate of the check on a conformant mesh. */
  readonly alpha: number;
}

/** The sampling plan of a ratio check: its traffic in batches up to the cap the statistics set. */
export function sampledRatioPlan(
  plan: TrafficPlan,
  spec: RatioSpec,
): SampledPlan & { readonly sampling: SamplingPlan } {
  const sampling = planRatioSampling(spec);
  return { plan, batchSize: sampling.batchSize, maxRequests: sampling.maxRequests, sampling };
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** Judges observed categories against the targets with the sequential equivalence rule (pure). */
export function judgeRatio(
  observations: readonly Observation[],
  categorize: (o: Observation) => string,
  spec: RatioSpec,
  sampling: SamplingPlan,
): Judgement {
  const counts: Record<string, number> = {};
  for (const o of observations) {
    const category = categorize(o);
    counts[category] = (counts[category] ?? 0) + 1;
  }
  const look = Math.max(1, Math.ceil(observations.length / sampling.batchSize));
  const verdict = decideRatio({ ...spec, counts, look, maxLooks: sampling.maxLooks });
  const want = `${Object.entries(spec.targets)
    .map(([name, share]) => `${name} ${percent(share)}`)
    .join(', ')} (each ± ${spec.tolerance * 100} points, false-failure rate ≤ ${spec.alpha})`;
  return {
    status: verdict.decision === 'PASS' ? 'PASSED' : verdict.decision === 'FAIL' ? 'FAILED' : 'CONTINUE',
    want,
    got: describeRatioVerdict(verdict),
    evidence: { ratio: { kind: 'ratio', verdict, counts, sampling } },
  };
}

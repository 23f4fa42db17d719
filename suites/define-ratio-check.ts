import { judgeRatio, sampledRatioPlan } from '../lib/judges/ratio.ts';
import { probedRoute } from '../lib/judges/route-probe.ts';
import type {
  Check,
  Feature,
  Observation,
  Profile,
  RouteRule,
  TrafficPlan,
  Version,
} from '../lib/model/index.ts';
import { defineCheck } from '../lib/model/index.ts';

/** Default false-failure rate and tolerance of every ratio check. */
export const ratioAlpha = 1e-5;
export const ratioTolerance = 0.05;

export interface RatioCheckDefinition {
  readonly id: string;
  readonly description: string;
  readonly features: readonly Feature[];
  readonly profile: Profile;
  /** The route rule under test (a convergence probe rule is put in front of it). */
  readonly rule: RouteRule;
  /** Where convergence probes are routed: a version the rule does not use, when there is one. */
  readonly probeVersion: Version;
  /** Expected share of each category, e.g. `{ aborted: 0.1 }`. */
  readonly targets: Readonly<Record<string, number>>;
  readonly categorize: (o: Observation) => string;
  /** Extra fields of the client's requests (concurrency, ledger). */
  readonly request?: Partial<Pick<TrafficPlan, 'concurrency' | 'ledger'>>;
}

/**
 * A proportion check (weights, fault and mirror percentages): the client's requests are sent in
 * batches and judged with simultaneous binomial intervals until the verdict is decided, at
 * false-failure rate 1e-5, each share within ±5 points.
 */
export function defineRatioCheck(definition: RatioCheckDefinition): Check {
  const spec = { targets: definition.targets, tolerance: ratioTolerance, alpha: ratioAlpha };
  const traffic = sampledRatioPlan(
    { caller: 'client', service: 'server', requests: 0, concurrency: 16, ...definition.request },
    spec,
  );
  const { route, convergence } = probedRoute([definition.rule], definition.probeVersion);
  return defineCheck({
    id: definition.id,
    description: definition.description,
    features: definition.features,
    profile: definition.profile,
    intents: [route],
    convergence,
    traffic: { requests: traffic },
    alpha: ratioAlpha,
    judge: ({ requests }) => judgeRatio(requests, definition.categorize, spec, traffic.sampling),
  });
}

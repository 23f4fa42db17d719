import type {
  Convergence,
  Denial,
  JudgeContext,
  Judgement,
  Observation,
  TrafficPlan,
} from '../model/index.ts';
import { describeOutcomes, isSuccess } from '../model/index.ts';

/**
 * One kind of request a check sends and what a conformant mesh does with every one of them:
 * the request that must get through, and the near misses a real bug confuses with it.
 */
export interface RequestCase {
  /** How the report names the request: `client GET /apiary`, `x-version: V2`. */
  readonly label: string;
  readonly plan: TrafficPlan;
  /** What a conformant mesh does with it, in words: `403, never at the app`. */
  readonly want: string;
  /** True when one observation is what a conformant mesh does. */
  readonly ok: (o: Observation, ctx: JudgeContext) => boolean;
  /** What was seen, in words; the outcomes by default. */
  readonly describe?: (list: readonly Observation[]) => string;
}

/** A request the app answered with a 2xx. */
export const servedByApp = (o: Observation): boolean => isSuccess(o) && o.servedBy !== undefined;

/**
 * A request refused the way the mesh refuses this caller (`JudgeContext.denialOf`): answered 403,
 * or its connection closed before any response (a reset) where no proxy on the path reads HTTP.
 */
export const refused = (o: Observation, denial: Denial): boolean =>
  denial === 'forbidden' ? o.outcome === 'response' && o.status === 403 : o.outcome === 'reset';

/** A request the mesh refused (as it refuses this caller) that the app never saw (needs the plan's `ledger`). */
export const deniedUnseen = (o: Observation, denial: Denial): boolean =>
  refused(o, denial) && o.serverAttempts === 0;

/** What a denied case wants, for every mesh. */
export const deniedWant =
  '403 (connection closed where the mesh refuses this caller at L4), never at the app';

/**
 * A request the mesh must refuse before the app (403, or a closed connection where the mesh
 * refuses this caller so); the plan is given the ledger to show it.
 */
export function deniedCase(
  label: string,
  plan: TrafficPlan,
  describe?: (list: readonly Observation[]) => string,
): RequestCase {
  return {
    label,
    plan: { ...plan, ledger: true },
    want: deniedWant,
    ok: (o, ctx) => deniedUnseen(o, ctx.denialOf(plan.caller)),
    ...(describe ? { describe } : {}),
  };
}

/** An access policy is in force once a request it does not allow is refused. */
export function deniedProbe(plan: Omit<TrafficPlan, 'requests'>): Convergence {
  return {
    plan: { ...plan, requests: 1 },
    confirmed: (o, ctx) => refused(o, ctx.denialOf(plan.caller)),
  };
}

/** The paths the app received for the requests it served: `/public/status ×10`. */
export function describePathsSeen(list: readonly Observation[]): string {
  const counts = new Map<string, number>();
  for (const o of list) {
    if (o.servedBy === undefined) continue;
    const path = o.path ?? '(not reported)';
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  const seen = [...counts].map(([path, n]) => `${path} ×${n}`).join(', ');
  return `${describeOutcomes(list)}${seen ? `; the app saw ${seen}` : ''}`;
}

/** The traffic of a case table: one plan per case, under the case's name. */
export function caseTraffic<Name extends string>(
  cases: Readonly<Record<Name, RequestCase>>,
): Record<Name, TrafficPlan> {
  return Object.fromEntries(Object.entries<RequestCase>(cases).map(([name, c]) => [name, c.plan])) as Record<
    Name,
    TrafficPlan
  >;
}

/**
 * Judges every case on its own observations (pure): PASSED when every request of every case is
 * what a conformant mesh does. The got line marks each case that failed with ✗.
 */
export function judgeCases<Name extends string>(
  cases: Readonly<Record<Name, RequestCase>>,
  observations: Readonly<Record<Name, readonly Observation[]>>,
  ctx: JudgeContext,
): Judgement {
  const results = Object.entries<RequestCase>(cases).map(([name, c]) => {
    const list = observations[name as Name] ?? [];
    const ok = list.length > 0 && list.every((o) => c.ok(o, ctx));
    return { label: c.label, want: c.want, got: (c.describe ?? describeOutcomes)(list), ok };
  });
  return {
    status: results.every((r) => r.ok) ? 'PASSED' : 'FAILED',
    want: results.map((r) => `${r.label}: ${r.want}`).join('; '),
    got: results.map((r) => `${r.label}: ${r.got}${r.ok ? '' : ' ✗'}`).join('; '),
    evidence: {
      cases: {
        kind: 'cases',
        cases: results.map((r) => ({ label: r.label, want: r.want, got: r.got, ok: r.ok })),
      },
    },
  };
}

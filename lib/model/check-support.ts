import type { ChaosAction } from './chaos-action.ts';
import type { Check } from './check.ts';
import { chaosOf, plansOf } from './check.ts';
import type { FeatureSupport } from './environment.ts';
import type { Intent } from './intent.ts';
import type { TrafficPlan } from './traffic.ts';

/** Where a check would run: a mesh in one mode, and what the platform's driver and chaos can do. */
export interface CheckTarget {
  readonly support: FeatureSupport;
  /** Why the mesh cannot render these intents with their meaning although it supports their features. */
  readonly cannotRender: (intents: readonly Intent[]) => string | undefined;
  /** The platform as reasons name it: `local`, `k3s`, or `clusters` for every cluster platform. */
  readonly platform: string;
  /** Why the platform's traffic driver cannot send a plan as it is meant. */
  readonly cannotSend?: (plan: TrafficPlan) => string | undefined;
  /** Why the platform cannot force a chaos action. */
  readonly cannotChaos?: (action: ChaosAction) => string | undefined;
  /** Why the platform cannot read the mesh's metrics (for checks that `readsMetrics`). */
  readonly cannotReadMetrics?: string;
  /** Why the platform's driver cannot send a chaos timeline's open-loop streams; undefined when it can. */
  readonly cannotSendAtRate?: string;
}

/**
 * Why a check cannot run on a target, one reason each (empty when it runs): the features the mesh
 * does not support, then (only when it supports them all) what it cannot render, then the traffic
 * and the chaos the platform cannot drive. The one computation behind a run's NOT_SUPPORTED, the
 * capability matrix, plan mode, and the mutation and soak commands (through the runner).
 */
export function whyNotRunnable(check: Check, target: CheckTarget): string[] {
  const missing = check.features.flatMap((feature) => {
    const support = target.support[feature];
    return support.supported ? [] : [`${feature}: ${support.reason}`];
  });
  const unrenderable = missing.length === 0 ? target.cannotRender(check.intents) : undefined;
  const undrivable = plansOf(check).flatMap((plan) => target.cannotSend?.(plan) ?? []);
  const unforceable = chaosOf(check).flatMap((action) => target.cannotChaos?.(action) ?? []);
  const unstreamable = check.timeline && target.cannotSendAtRate ? [target.cannotSendAtRate] : [];
  const unreadable = check.readsMetrics ? target.cannotReadMetrics : undefined;
  return [
    ...missing,
    ...(unrenderable ? [`rendering: ${unrenderable}`] : []),
    ...[...new Set([...unstreamable, ...undrivable])].map(
      (reason) => `traffic on ${target.platform}: ${reason}`,
    ),
    ...[...new Set(unforceable)].map((reason) => `chaos on ${target.platform}: ${reason}`),
    ...(unreadable ? [`metrics on ${target.platform}: ${unreadable}`] : []),
  ];
}

/**
 * Why a platform without a scrape of the mesh's proxies cannot run a check that `readsMetrics`
 * (the cluster path reads Istio's sidecars; what reading the others needs is in
 * docs/cluster-contract.md, rows M).
 */
export function metricsUnreadOn(platform: string): string {
  return `meshproof does not read this mesh's proxy metrics on ${platform} yet (docs/cluster-contract.md, rows M): the request-metric checks need them`;
}

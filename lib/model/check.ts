import type { ChaosTimeline } from './chaos-timeline.ts';
import type { Feature, Profile } from './feature.ts';
import type { Intent } from './intent.ts';
import type { MeshMetrics } from './metrics.ts';
import type { CallerName, MeshMember, Version } from './topology.ts';
import type { Observation, SampledPlan, TrafficPlan } from './traffic.ts';
import type { Judgement } from './verdict.ts';

/**
 * How a mesh refuses a request its access policy denies: `forbidden`, an HTTP 403 from a proxy
 * that read the request; `connection-closed`, the connection closed before any response, where no
 * proxy on the path reads HTTP (Istio ambient, callers outside the mesh: they never pass a
 * waypoint, and the server's ztunnel decides per connection).
 */
export type Denial = 'forbidden' | 'connection-closed';

/** What a judge may know besides observations. Mesh differences live here, never in checks. */
export interface JudgeContext {
  /** The identity string the server app is shown for a caller in this mesh. */
  identityOf(caller: MeshMember): string;
  /** How this mesh refuses this caller when its access policy denies it. */
  denialOf(caller: CallerName): Denial;
  /** True when sampling cannot continue: CONTINUE is not an answer any more. */
  readonly finalLook: boolean;
  /** For a check that `readsMetrics`: what the mesh's own metrics counted during its traffic. */
  readonly metrics?: MeshMetrics;
}

/** A probe that shows the intents are in effect before measuring. */
export interface Convergence {
  /** One probe; usually a single request, a burst where only a burst can show the intent (rate limits). */
  readonly plan: TrafficPlan;
  /** True when a request of the probe shows the intended behaviour. */
  readonly confirmed: (observation: Observation, ctx: JudgeContext) => boolean;
  /**
   * When set, a probe confirms only if its requests show the intent together (e.g. none failed
   * once an endpoint is ejected), instead of any one of them satisfying `confirmed`.
   */
  readonly confirmedBatch?: (observations: readonly Observation[], ctx: JudgeContext) => boolean;
  /** Pause after convergence, e.g. for a rate limit's budget to refill after the probes. */
  readonly settleMs?: number;
}

/** Every request to a server version (and its health checks) answers `status`. */
export interface FailWorkload {
  readonly kind: 'fail-workload';
  readonly version: Version;
  readonly status: number;
}

/**
 * The sidecar proxy of a server version is killed with SIGKILL (a crash, an OOM kill): no drain,
 * no goodbye, its connections reset. It stays down until `restart-proxy` or `reset()`.
 */
export interface KillProxy {
  readonly kind: 'kill-proxy';
  readonly version: Version;
}

/** The killed sidecar of a server version is started again and waited for until it serves. */
export interface RestartProxy {
  readonly kind: 'restart-proxy';
  readonly version: Version;
}

/**
 * The app of a server version is paused (SIGSTOP): it hangs rather than dies, so its kernel still
 * accepts connections and nobody answers. It stays paused until `resume-workload` or `reset()`.
 */
export interface PauseWorkload {
  readonly kind: 'pause-workload';
  readonly version: Version;
}

/** The paused app of a server version continues (SIGCONT). */
export interface ResumeWorkload {
  readonly kind: 'resume-workload';
  readonly version: Version;
}

/**
 * The mesh's check-specific configuration becomes these intents, while traffic flows (the way the
 * mesh applies any change: the reference mesh reloads its sidecars). `reset()` removes it.
 */
export interface ApplyIntents {
  readonly kind: 'apply-intents';
  readonly intents: readonly Intent[];
}

/**
 * A fault forced on the fixtures or the mesh, undone when the check ends (also when it failed).
 * A closed union: each environment dispatches on `kind` with an exhaustive switch (a new kind
 * fails to compile until every platform runs it or says why it cannot, see `cannotChaos`).
 */
export type ChaosAction =
  | FailWorkload
  | KillProxy
  | RestartProxy
  | PauseWorkload
  | ResumeWorkload
  | ApplyIntents;

/** Every kind of chaos action (a test compares it with the union). */
export const chaosActionKinds = [
  'fail-workload',
  'kill-proxy',
  'restart-proxy',
  'pause-workload',
  'resume-workload',
  'apply-intents',
] as const satisfies readonly ChaosAction['kind'][];

/** For the `default` of an exhaustive switch: a value of a kind nobody handles fails to compile. */
export function unreachable(value: never): never {
  throw new Error(`unhandled kind: ${JSON.stringify(value)}`);
}

/**
 * One conformance check: a stable dotted id, the features it needs, the intents it applies,
 * the traffic it sends and a pure judge of what was observed.
 */
export interface Check<Plans extends string = string> {
  readonly id: string;
  readonly description: string;
  readonly features: readonly Feature[];
  readonly profile: Profile;
  readonly intents: readonly Intent[];
  /** Faults forced on the fixtures before measuring. */
  readonly chaos?: readonly ChaosAction[];
  /**
   * Steady traffic with actions fired while it flows (lib/chaos/). A check with a timeline is
   * judged on it by `timeline.judge`; its `traffic` is empty and its `judge` is never called.
   */
  readonly timeline?: ChaosTimeline;
  readonly convergence?: Convergence;
  /** Named traffic, sent in declaration order. */
  readonly traffic: Readonly<Record<Plans, TrafficPlan | SampledPlan>>;
  readonly judge: (
    observations: Readonly<Record<Plans, readonly Observation[]>>,
    ctx: JudgeContext,
  ) => Judgement;
  /** False-failure bound of the judge on a conformant mesh (statistical checks only). */
  readonly alpha?: number;
  /**
   * The mesh's metrics are scraped before the named traffic and after each batch of it; the judge
   * is given the difference (`JudgeContext.metrics`).
   */
  readonly readsMetrics?: boolean;
}

/** Declares a check with its plan names inferred from `traffic`. */
export function defineCheck<Plans extends string>(check: Check<Plans>): Check<Plans> {
  return check;
}

/** True for a sampled plan. */
export function isSampled(traffic: TrafficPlan | SampledPlan): traffic is SampledPlan {
  return 'plan' in traffic;
}

/** Every traffic plan a check sends: its convergence probe, its named traffic, its timeline's streams. */
export function plansOf(check: Check): TrafficPlan[] {
  return [
    ...(check.convergence ? [check.convergence.plan] : []),
    ...Object.values<TrafficPlan | SampledPlan>(check.traffic).map((t) => (isSampled(t) ? t.plan : t)),
    ...Object.values(check.timeline?.streams ?? {}).map((s) => s.plan),
  ];
}

/** Every chaos action a check performs: before its traffic, then on its timeline. */
export function chaosOf(check: Check): ChaosAction[] {
  return [...(check.chaos ?? []), ...(check.timeline?.actions ?? []).map((a) => a.action)];
}

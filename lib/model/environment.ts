import type { ChaosAction } from './chaos-action.ts';
import type { TimedObservation } from './chaos-timeline.ts';
import type { Feature } from './feature.ts';
import type { Intent } from './intent.ts';
import type { Denial } from './judge-context.ts';
import type { MeshMetrics } from './metrics.ts';
import type { Timeouts } from './timeouts.ts';
import type { CallerName, MeshMember } from './topology.ts';
import type { Observation, TrafficPlan } from './traffic.ts';
import type { Diagnostic, RenderedResource } from './verdict.ts';

export type MeshName = 'reference' | 'istio' | 'istio-ambient' | 'linkerd';
export const meshNames: readonly MeshName[] = ['reference', 'istio', 'istio-ambient', 'linkerd'];

/**
 * How routes are given to Istio's sidecars: as VirtualServices (the default) or as Gateway API
 * HTTPRoutes whose parent is the Service (GAMMA). Istio ambient always routes with HTTPRoutes.
 */
export type Routing = 'virtual-service' | 'gateway-api';
export const routingNames: readonly Routing[] = ['virtual-service', 'gateway-api'];

export type PlatformName = 'local' | 'k3s' | 'kubeconfig';
export const platformNames: readonly PlatformName[] = ['local', 'k3s', 'kubeconfig'];

/** Whether a mesh can express a feature, and if not, why. */
export type Support = { readonly supported: true } | { readonly supported: false; readonly reason: string };

/**
 * What a mesh (in one mode) declares, feature by feature: every feature answered, so a new
 * feature fails to compile until each mesh says whether it supports it and, if not, why.
 */
export type FeatureSupport = Readonly<Record<Feature, Support>>;

export const supported: Support = { supported: true };
export const notSupported = (reason: string): Support => ({ supported: false, reason });

/** What a mesh can do and how it renders intents. Rendering is pure. */
export interface MeshAdapter {
  readonly name: MeshName;
  readonly support: FeatureSupport;
  /** The identity string the server app is shown for a caller. */
  identityOf(caller: MeshMember): string;
  /** How this mesh refuses a caller its access policy denies (see `Denial`). */
  denialOf(caller: CallerName): Denial;
  /**
   * Why this mesh cannot render these intents with their meaning (a combination its API cannot
   * express although each feature is supported), or undefined when it can. The check is then
   * NOT_SUPPORTED with this reason.
   */
  cannotRender(intents: readonly Intent[]): string | undefined;
  /** Renders intents into this mesh's resources (pure; golden-tested). */
  render(intents: readonly Intent[]): RenderedResource[];
}

/** Sends traffic plans as named callers. */
export interface TrafficDriver {
  send(plan: TrafficPlan, requestIdPrefix: string): Promise<Observation[]>;
  /**
   * Why this driver cannot send a plan as it is meant (e.g. a caller presenting a forged
   * certificate), or undefined when it can. A check with such a plan is NOT_SUPPORTED.
   */
  cannotSend?(plan: TrafficPlan): string | undefined;
  /**
   * Prepares to send a plan open loop at a constant arrival rate (a chaos timeline's stream):
   * once every stream is ready, `start(zeroMs)` sends request i at `zeroMs + i / rate`, whatever
   * is still in flight. `zeroMs` and every time recorded are on the process's monotonic clock
   * (`monotonicMs`). Absent when the driver cannot (the timeline's checks are then NOT_SUPPORTED).
   */
  prepareAtRate?(plan: TrafficPlan, schedule: RateSchedule, requestIdPrefix: string): Promise<PreparedStream>;
}

/** How fast {@link TrafficDriver.prepareAtRate} sends, and its bound. */
export interface RateSchedule {
  readonly ratePerS: number;
  /** The schedule ends here (ms from zero) at the latest, should `endAt` never come. */
  readonly maxDurationMs: number;
  /** Requests in flight beyond which an arrival is dropped and counted (the memory bound). */
  readonly maxInFlight: number;
}

/** A stream ready to send (its sender started, its connections' pools made). */
export interface PreparedStream {
  /**
   * Sends on schedule from `zeroMs` until told where the schedule ends (`endAt`, in ms from
   * zero: the stream goes on until then, however long the actions took); `onSent` is called as
   * each request is sent, with how many have been (for actions after N requests).
   */
  start(zeroMs: number, onSent?: (sent: number) => void): RunningStream;
  /** Gives the stream up without starting it (another stream could not be prepared). */
  abandon(): Promise<void>;
}

/** A stream sending: the end of its schedule is set once, when the timeline knows it. */
export interface RunningStream {
  endAt(endMs: number): void;
  readonly done: Promise<RateRun>;
}

/** What {@link PreparedStream.start} observed: every request sent, and those it could not send. */
export interface RateRun {
  readonly observations: readonly TimedObservation[];
  readonly scheduled: number;
  readonly dropped: number;
}

/** A running platform with a mesh installed and the fixtures deployed. */
export interface Environment extends AsyncDisposable {
  readonly mesh: MeshAdapter;
  readonly meshVersion: string;
  readonly platform: PlatformName;
  readonly timeouts: Timeouts;
  readonly driver: TrafficDriver;
  /** Makes these resources the mesh's whole check-specific configuration. */
  apply(resources: readonly RenderedResource[]): Promise<void>;
  /** Why this platform cannot force an action (the check is then NOT_SUPPORTED), or undefined. */
  cannotChaos(action: ChaosAction): string | undefined;
  /** Forces a fault on the fixtures (dispatching on `action.kind` exhaustively); `reset` undoes it. */
  chaos(action: ChaosAction): Promise<void>;
  /** Removes what `apply` and `chaos` added, back to the baseline mesh and healthy fixtures. */
  reset(): Promise<void>;
  /** How often the server apps saw each request id starting with a prefix. */
  ledger(prefix: string): Promise<ReadonlyMap<string, number>>;
  /** State worth seeing when a check failed, captured before cleanup. */
  diagnostics(): Promise<Diagnostic[]>;
  /** Scrapes every proxy's request metrics; absent where the platform cannot read them yet. */
  requestMetrics?(): Promise<MeshMetrics>;
}

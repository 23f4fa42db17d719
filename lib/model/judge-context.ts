import type { MeshMetrics } from './metrics.ts';
import type { CallerName, MeshMember } from './topology.ts';

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

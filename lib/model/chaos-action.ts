import type { Intent } from './intent.ts';
import type { Version } from './topology.ts';

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

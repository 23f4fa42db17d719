import type { MeshName, PlatformName, Routing } from '../model/index.ts';

/** Everything a conformance run is configured with; serialisable (it crosses into vitest). */
export interface RunConfig {
  readonly runId: string;
  readonly mesh: MeshName;
  /** How routes are given to Istio's sidecars. */
  readonly routing: Routing;
  readonly platform: PlatformName;
  /** Check id patterns; empty means every check. */
  readonly only: readonly string[];
  readonly defects: readonly string[];
  readonly basePort?: number;
  readonly context?: string;
  readonly installMesh?: boolean;
  /** Directory for the run's temporary files and pid list, owned (and removed) by the CLI. */
  readonly workDir: string;
  /** Where reports are written: reports/<run-id>. */
  readonly outputDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    meshproofRun: RunConfig;
  }
}

/** What each check's test carries to the reporters besides its result. */
export interface RunEnvironmentInfo {
  readonly meshVersion: string;
  readonly platform: PlatformName;
  /** Set when the environment could not be started: a coded, user-fixable error. */
  readonly startupError?: { readonly code: string; readonly message: string };
}

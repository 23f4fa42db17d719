import type { MeshName, PlatformName, Routing } from '../model/index.ts';

/** Everything a conformance run is configured with, built once by the CLI. */
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

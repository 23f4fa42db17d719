import type { Evidence } from './evidence.ts';

/** Result values of a check, fixed like the Gateway API report's. */
export type CheckStatus = 'PASSED' | 'FAILED' | 'NOT_SUPPORTED' | 'SKIPPED' | 'ERROR';

/**
 * What a judge decides from observations: always with want and got in plain words.
 * CONTINUE asks for more samples (sequential sampling); the runner turns it into a
 * verdict when the sampling cap is reached.
 */
export interface Judgement {
  readonly status: 'PASSED' | 'FAILED' | 'CONTINUE';
  readonly want: string;
  readonly got: string;
  readonly evidence: Evidence;
}

/** A configuration object as applied to the mesh, kept for the report. */
export interface RenderedResource {
  /** e.g. `VirtualService`, `haproxy.cfg`. */
  readonly kind: string;
  /** Unique within a check, e.g. `server` or `sidecar/client`. */
  readonly name: string;
  readonly format: 'yaml' | 'haproxy' | 'text';
  readonly content: string;
}

/** A piece of state captured when a check failed, before cleanup. */
export interface Diagnostic {
  readonly title: string;
  readonly content: string;
}

/** The outcome of one check in a run, as it appears in the report. */
export interface CheckResult {
  readonly id: string;
  readonly description: string;
  readonly status: CheckStatus;
  readonly profile: 'core' | 'extended';
  readonly features: readonly string[];
  readonly durationMs: number;
  readonly want: string;
  readonly got: string;
  readonly evidence: Evidence;
  /** Why a check was NOT_SUPPORTED, SKIPPED or ERROR. */
  readonly reason?: string;
  /** Time from applying configuration until the intent was observed; null if never confirmed. */
  readonly propagationMs?: number | null;
  /** False-failure bound of a statistical check. */
  readonly alpha?: number;
  readonly resources?: readonly RenderedResource[];
  readonly diagnostics?: readonly Diagnostic[];
}

import { createHash } from 'node:crypto';
import type { Capability } from '../meshes/capabilities.ts';
import type { CapabilityMatrix } from '../meshes/capability-matrix.ts';
import type { Check, CheckResult, CheckStatus } from '../model/index.ts';
import type { RunConfig } from '../runner/run-config.ts';

export const reportApiVersion = 'meshproof.dev/v1alpha1';

export interface ReportSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly notSupported: number;
  readonly skipped: number;
  readonly errored: number;
}

export type ReportVerdict = 'PASSED' | 'FAILED' | 'INTERRUPTED';

/** How a run was stopped before every selected check completed. */
export interface Interruption {
  readonly signal: 'SIGINT' | 'SIGTERM';
  /** Selected checks that ran to a result before the signal. */
  readonly completed: number;
  /** Checks the run was to run. */
  readonly selected: number;
}

/** The versioned compliance report, written as report.json. */
export interface ConformanceReport {
  readonly apiVersion: typeof reportApiVersion;
  readonly kind: 'ConformanceReport';
  readonly runId: string;
  /** PASSED when no check FAILED or ERRORed; INTERRUPTED when the run was stopped before its end. */
  readonly verdict: ReportVerdict;
  /** Set when a signal stopped the run: it is then no verdict on the mesh. */
  readonly interruption?: Interruption;
  readonly mesh: {
    readonly name: string;
    readonly version: string;
    /** Istio sidecars routed with Gateway API HTTPRoutes (`--routing gateway-api`); absent for the default. */
    readonly routing?: 'gateway-api';
  };
  readonly platform: string;
  readonly harness: { readonly name: 'meshproof'; readonly version: string };
  readonly environment: {
    readonly node: string;
    readonly os: string;
    readonly arch: string;
    readonly cpus: number;
  };
  readonly config: {
    readonly only: readonly string[];
    readonly defects: readonly string[];
    readonly hash: string;
  };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly summary: ReportSummary;
  /** Upper bound on the chance that a conformant mesh fails some statistical check of the run. */
  readonly falseFailureBound: number;
  readonly capabilities: readonly Capability[];
  /** The three meshes side by side, so one report compares them on the same checks. */
  readonly capabilityMatrix?: CapabilityMatrix;
  readonly checks: readonly CheckResult[];
}

export interface ReportInput {
  readonly config: RunConfig;
  readonly registry: readonly Check[];
  readonly results: readonly CheckResult[];
  readonly meshVersion: string;
  readonly harnessVersion: string;
  readonly capabilities: readonly Capability[];
  readonly capabilityMatrix?: CapabilityMatrix;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly environment: ConformanceReport['environment'];
  /** The signal that stopped the run; the results are those of the checks that completed. */
  readonly interruptedBy?: Interruption['signal'];
  /** The ids of the checks the run selected (an interrupted run names those it did not reach). */
  readonly selected?: readonly string[];
}

const statusOrder: Record<CheckStatus, number> = {
  FAILED: 0,
  ERROR: 1,
  PASSED: 2,
  NOT_SUPPORTED: 3,
  SKIPPED: 4,
};

/** The result of a check that did not run, with the reason. */
export function skippedResult(check: Check, reason: string): CheckResult {
  return {
    id: check.id,
    description: check.description,
    status: 'SKIPPED',
    profile: check.profile,
    features: check.features,
    durationMs: 0,
    want: 'not run',
    got: 'not run',
    reason,
    evidence: {},
  };
}

/**
 * Builds the report from the checks' results (pure). Checks of the registry that did not run
 * are listed as SKIPPED with the reason, never left out.
 */
export function buildConformanceReport(input: ReportInput): ConformanceReport {
  const ran = new Map(input.results.map((r) => [r.id, r]));
  const checks: CheckResult[] = input.registry.map(
    (check) =>
      ran.get(check.id) ??
      skippedResult(
        check,
        input.interruptedBy && (input.selected ?? []).includes(check.id)
          ? `not run: the run was interrupted by ${input.interruptedBy}`
          : input.config.only.length > 0
            ? `not selected by --only ${input.config.only.join(',')}`
            : 'not run',
      ),
  );
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const summary: ReportSummary = {
    total: checks.length,
    passed: count('PASSED'),
    failed: count('FAILED'),
    notSupported: count('NOT_SUPPORTED'),
    skipped: count('SKIPPED'),
    errored: count('ERROR'),
  };
  const judged = checks.filter((c) => c.status === 'PASSED' || c.status === 'FAILED');
  const { config } = input;
  return {
    apiVersion: reportApiVersion,
    kind: 'ConformanceReport',
    runId: config.runId,
    verdict: input.interruptedBy
      ? 'INTERRUPTED'
      : summary.failed + summary.errored === 0
        ? 'PASSED'
        : 'FAILED',
    ...(input.interruptedBy
      ? {
          interruption: {
            signal: input.interruptedBy,
            completed: input.results.length,
            selected: input.selected?.length ?? input.results.length,
          },
        }
      : {}),
    mesh: {
      name: config.mesh,
      version: input.meshVersion,
      ...(config.routing === 'gateway-api' ? { routing: config.routing } : {}),
    },
    platform: config.platform,
    harness: { name: 'meshproof', version: input.harnessVersion },
    environment: input.environment,
    config: {
      only: config.only,
      defects: config.defects,
      hash: createHash('sha256')
        .update(
          JSON.stringify({
            mesh: config.mesh,
            platform: config.platform,
            only: config.only,
            defects: config.defects,
            // Only when not the default, so that the hashes of earlier runs stay what they were.
            ...(config.routing === 'gateway-api' ? { routing: config.routing } : {}),
          }),
        )
        .digest('hex')
        .slice(0, 16),
    },
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
    summary,
    falseFailureBound: judged.reduce((sum, c) => sum + (c.alpha ?? 0), 0),
    capabilities: input.capabilities,
    ...(input.capabilityMatrix ? { capabilityMatrix: input.capabilityMatrix } : {}),
    checks: [...checks].sort((a, b) => statusOrder[a.status] - statusOrder[b.status]),
  };
}

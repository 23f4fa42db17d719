import { cpus } from 'node:os';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { BenchReport } from '../bench/bench-report.ts';
import type { Capability } from '../meshes/capabilities.ts';
import type { CapabilityMatrix } from '../meshes/capability-matrix.ts';
import type { Check, CheckResult } from '../model/index.ts';
import type { RunConfig, RunEnvironmentInfo } from '../runner/run-config.ts';
import { buildConformanceReport, type ConformanceReport } from './conformance-report.ts';
import { reportWriters, writeReports } from './report-writers.ts';

export interface ConformanceReporterOptions {
  readonly config: RunConfig;
  readonly registry: readonly Check[];
  readonly capabilities: readonly Capability[];
  readonly capabilityMatrix?: CapabilityMatrix;
  readonly harnessVersion: string;
  /** A benchmark report.html shows after the checks (`meshproof run --bench`). */
  readonly bench?: BenchReport;
  /** The ids of the checks the run selected (an interrupted run's report names those it did not reach). */
  readonly selected?: readonly string[];
}

/** What a finished run hands back to the CLI. */
export interface RunOutcome {
  readonly report: ConformanceReport;
  readonly files: readonly string[];
  readonly writerFailures: readonly string[];
  readonly startupError?: RunEnvironmentInfo['startupError'];
}

/**
 * Collects each check's result from its test's metadata and writes the report files once at the
 * end of the run, or, when the run is interrupted, once with the results collected until then.
 */
export class ConformanceReporter implements Reporter {
  readonly #options: ConformanceReporterOptions;
  readonly #results: CheckResult[] = [];
  #environment: RunEnvironmentInfo | undefined;
  #startedAt = new Date();
  /** collecting → finishing (the run ended, its report is being written) or interrupted. */
  #state: 'collecting' | 'finishing' | 'interrupted' = 'collecting';
  #finished: Promise<RunOutcome> | undefined;
  outcome: RunOutcome | undefined;

  constructor(options: ConformanceReporterOptions) {
    this.#options = options;
  }

  onTestRunStart(): void {
    this.#startedAt = new Date();
  }

  onTestCaseResult(testCase: TestCase): void {
    // After an interruption, tests end because their worker was stopped: not results.
    if (this.#state !== 'collecting') return;
    const meta = testCase.meta().meshproof;
    if (meta) {
      this.#results.push(meta.result);
      this.#environment ??= meta.environment;
      return;
    }
    // No metadata: the test died before the check could report (a harness error).
    const errors = testCase.result().errors ?? [];
    this.#results.push(
      harnessError(testCase.name, this.#options.registry, errors.map((e) => e.message).join('; ')),
    );
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    if (this.#state !== 'collecting') return;
    this.#state = 'finishing';
    const moduleErrors = testModules.flatMap((m) => m.errors().map((e) => e.message));
    if (moduleErrors.length > 0 && this.#results.length === 0) {
      for (const check of this.#options.registry)
        this.#results.push(harnessError(check.id, this.#options.registry, moduleErrors.join('; ')));
    }
    this.#finished = this.#write();
    await this.#finished;
  }

  /**
   * Stops collecting (a signal is ending the run). Returns the complete run's outcome when the run
   * had already ended and its report is being written, or undefined: then call
   * {@link writeInterrupted} once the run's processes are stopped.
   */
  interrupt(): Promise<RunOutcome> | undefined {
    if (this.#state === 'finishing') return this.#finished;
    this.#state = 'interrupted';
    return undefined;
  }

  /** Writes the report of an interrupted run: verdict INTERRUPTED, with the checks that completed. */
  writeInterrupted(signal: 'SIGINT' | 'SIGTERM'): Promise<RunOutcome> {
    this.#state = 'interrupted';
    return this.#write(signal);
  }

  async #write(interruptedBy?: 'SIGINT' | 'SIGTERM'): Promise<RunOutcome> {
    const report = buildConformanceReport({
      config: this.#options.config,
      registry: this.#options.registry,
      results: this.#results,
      meshVersion: this.#environment?.meshVersion ?? 'unknown',
      harnessVersion: this.#options.harnessVersion,
      capabilities: this.#options.capabilities,
      ...(this.#options.capabilityMatrix ? { capabilityMatrix: this.#options.capabilityMatrix } : {}),
      startedAt: this.#startedAt,
      finishedAt: new Date(),
      environment: { node: process.version, os: process.platform, arch: process.arch, cpus: cpus().length },
      ...(interruptedBy ? { interruptedBy } : {}),
      ...(this.#options.selected ? { selected: this.#options.selected } : {}),
    });
    const { written, failures } = await writeReports(
      report,
      this.#options.config.outputDir,
      reportWriters(this.#options.bench ? { bench: this.#options.bench } : {}),
    );
    this.outcome = {
      report,
      files: written,
      writerFailures: failures,
      ...(this.#environment?.startupError ? { startupError: this.#environment.startupError } : {}),
    };
    return this.outcome;
  }
}

function harnessError(id: string, registry: readonly Check[], message: string): CheckResult {
  const check = registry.find((c) => c.id === id);
  return {
    id,
    description: check?.description ?? '',
    status: 'ERROR',
    profile: check?.profile ?? 'core',
    features: check?.features ?? [],
    durationMs: 0,
    want: 'the harness runs the check to a verdict',
    got: `the harness broke: ${message}`,
    reason: message,
    evidence: {},
  };
}

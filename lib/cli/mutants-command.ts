import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { registry } from '../../suites/registry.ts';
import { type LocalEnvironment, startLocalEnvironment } from '../environments/local-environment.ts';
import { meshCapabilities } from '../meshes/capabilities.ts';
import {
  type DefectDefinition,
  type ReferenceDefect,
  referenceDefectNames,
  referenceDefects,
} from '../meshes/reference/defects.ts';
import type { Check, CheckResult } from '../model/index.ts';
import { referenceDefectFootprint } from '../mutants/defect-footprint.ts';
import { withRenderedDefects } from '../mutants/defect-view.ts';
import { readInstalledFiles } from '../mutants/mesh-files.ts';
import { type MutantsMode, selectMutantChecks } from '../mutants/mutant-selection.ts';
import { buildMutantsReport, idsWith, judgeMutant, type MutantResult } from '../mutants/mutants-report.ts';
import { buildConformanceReport, skippedResult } from '../report/conformance-report.ts';
import { writeReports } from '../report/report-writers.ts';
import { runCheck } from '../runner/run-check.ts';
import { cleanupRun } from './cleanup.ts';
import { preflight } from './execute-run.ts';
import { harnessVersion } from './harness-version.ts';
import type { RunOptions } from './validate-run.ts';

/** One installation of the reference mesh, with or without a defect, and the files it wrote. */
interface Installation {
  readonly env: LocalEnvironment;
  readonly files: ReadonlyMap<string, string>;
  readonly runDir: string;
}

/**
 * The mutation gate's runs, in one process: each installation's processes live in their own
 * directory under `workRoot`, and every one still running is stopped on Ctrl-C or SIGTERM.
 */
class MutationRuns {
  readonly #workRoot: string;
  readonly #live = new Set<string>();
  #closed = false;
  /**
   * Installations start one at a time: a port the operating system hands out stays free until
   * the process meant for it listens, so two installing at once could be given the same one.
   */
  #installing: Promise<unknown> = Promise.resolve();

  constructor(workRoot: string) {
    this.#workRoot = workRoot;
  }

  install(name: string, defects: ReadonlySet<ReferenceDefect>): Promise<Installation> {
    const installed = this.#installing.then(async () => {
      if (this.#closed) throw new Error('the mutation runs are being stopped');
      const runDir = join(this.#workRoot, name);
      await mkdir(runDir, { recursive: true });
      this.#live.add(runDir);
      const env = await startLocalEnvironment({ defects, runDir });
      return { env, files: await readInstalledFiles(env, defects), runDir };
    });
    this.#installing = installed.catch(() => undefined);
    return installed;
  }

  /** Stops an installation's processes and removes its directory. */
  async uninstall(installation: Installation): Promise<void> {
    await installation.env[Symbol.asyncDispose]();
    await rm(installation.runDir, { recursive: true, force: true });
    this.#live.delete(installation.runDir);
  }

  /** Stops whatever still runs and removes every run directory; never throws. */
  async cleanup(): Promise<void> {
    this.#closed = true;
    for (const dir of this.#live) await cleanupRun(dir);
    this.#live.clear();
    await rm(this.#workRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Writes one mutation run's report files into `<output>/mutants/<name>/`. */
async function writeRunReports(
  dir: string,
  name: string,
  options: RunOptions,
  defects: readonly string[],
  results: readonly CheckResult[],
  startedAt: Date,
  meshVersion: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const report = buildConformanceReport({
    config: {
      runId: `mutants-${name}`,
      mesh: 'reference',
      routing: 'virtual-service',
      platform: 'local',
      only: options.only,
      defects,
      workDir: dir,
      outputDir: dir,
    },
    registry: registry.filter((c) => results.some((r) => r.id === c.id)),
    results,
    meshVersion,
    harnessVersion: harnessVersion(),
    capabilities: meshCapabilities('reference'),
    startedAt,
    finishedAt: new Date(),
    environment: { node: process.version, os: process.platform, arch: process.arch, cpus: cpus().length },
  });
  const { failures } = await writeReports(report, dir);
  for (const failure of failures) process.stderr.write(`warning: ${name}: ${failure}\n`);
}

/** Runs checks one after the other on an installation (a skipped one gets its reason). */
async function runChecks(
  env: LocalEnvironment,
  checks: readonly { readonly check: Check; readonly skip?: string }[],
  tag: string,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const { check, skip } of checks) {
    results.push(skip ? skippedResult(check, skip) : await runCheck(check, env, `${tag}.${check.id}`));
  }
  return results;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Conformant installations taking defects at once unless `--lanes` says otherwise. */
export const defaultMutantLanes = 2;
export const maxMutantLanes = 4;

/** How `meshproof mutants` runs beyond the suite's options. */
export interface MutantsOptions {
  /** Run every check of each defect's footprint, not only those it names. */
  readonly thorough: boolean;
  /** Conformant installations that take defects at once (the first runs the suite first). */
  readonly lanes: number;
}

/**
 * `meshproof mutants`: the suite once on the conformant reference mesh, then per defect the
 * checks that decide its score (those it names; with `--thorough` every check whose verdict it
 * can change: those it renders different configuration for, every check when it changes the
 * baseline configuration or declares an effect outside it). A defect of the renderer reuses the
 * conformant installation (see {@link withRenderedDefects}); one with `unrenderedEffect` gets
 * its own. The exit code is 0 only when the conformant run has no failure and every defect is
 * caught.
 */
export async function runMutants(options: RunOptions, mutants: MutantsOptions): Promise<number> {
  const checks = await preflight(options);
  const started = performance.now();
  const mode: MutantsMode = mutants.thorough ? 'thorough' : 'targets';
  const selectedIds = checks.map((c) => c.id);
  const reportsDir = join(resolve(options.output), 'mutants');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  // A defect none of whose targets is selected (--only) proves nothing here.
  const exercised = referenceDefectNames.filter((name) =>
    referenceDefects[name].catches.some((target) => selectedIds.includes(target)),
  );
  say(
    `mutation testing: ${checks.length} check(s) on the conformant reference mesh, then under each of ${exercised.length} defect(s) ${mode === 'targets' ? 'the checks it names (--thorough: every check whose configuration it changes)' : 'every check whose configuration it changes (--thorough)'}`,
  );

  const runs = new MutationRuns(await mkdtemp(join(tmpdir(), 'meshproof-mutants-')));
  // On a signal every process is stopped and the gate exits; what was under way when the
  // processes went away must not end the gate first (with another message and exit code).
  let exiting: Promise<never> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (exiting) return;
    process.stderr.write(`\n${signal}: stopping the mutation runs' processes…\n`);
    exiting = runs.cleanup().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tag = randomBytes(3).toString('hex');
  try {
    // Each host is a conformant installation that takes the next defect whenever it is free;
    // the first runs the whole suite first, to prove the mesh the defects bend conformant.
    const queue = [...exercised];
    const byName = new Map<ReferenceDefect, MutantResult>();
    const drain = async (host: Installation) => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        byName.set(name, await mutate(name, host));
      }
    };
    const conformantRun = async () => {
      const t0 = performance.now();
      const startedAt = new Date();
      const conformant = await runs.install('conformant', new Set());
      const conformantResults = await runChecks(
        conformant.env,
        checks.map((check) => ({ check })),
        `${tag}.conformant`,
      );
      await writeRunReports(
        join(reportsDir, 'conformant'),
        'conformant',
        options,
        [],
        conformantResults,
        startedAt,
        conformant.env.meshVersion,
      );
      const conformantFailed = idsWith(conformantResults, ['FAILED', 'ERROR']);
      say(
        `  ${'(conformant)'.padEnd(28)} ${conformantFailed.length === 0 ? 'no failures' : `FAILED: ${conformantFailed.join(', ')}`} · ${checks.length} checks · ${seconds(performance.now() - t0)}`,
      );
      await drain(conformant);
      await runs.uninstall(conformant);
      return conformantResults;
    };
    const anotherHost = async (name: string) => {
      const host = await runs.install(name, new Set());
      await drain(host);
      await runs.uninstall(host);
    };

    // Under one defect, on `host` (a conformant installation) unless it needs its own.
    const mutate = async (name: ReferenceDefect, host: Installation): Promise<MutantResult> => {
      const t1 = performance.now();
      const defectStartedAt = new Date();
      const defects = new Set([name]);
      // Only a defect whose effect is outside the rendering needs an installation of its own.
      const definition: DefectDefinition = referenceDefects[name];
      const own = definition.unrenderedEffect ? await runs.install(name, defects) : undefined;
      const env = own ? own.env : withRenderedDefects(host.env, defects);
      const footprint = referenceDefectFootprint({
        defect: name,
        checks,
        wiring: env.local.wiring,
        installed: { conformant: host.files, defective: own ? own.files : host.files },
      });
      const targets = definition.catches.filter((t) => selectedIds.includes(t));
      const selection = selectMutantChecks(footprint, targets, mode);
      const defectResults = await runChecks(
        env,
        checks.map((check) => {
          if (selection.ran.some((c) => c.id === check.id)) return { check };
          const skip = [...selection.skipped, ...selection.notNamed].find((c) => c.id === check.id);
          return { check, skip: skip?.because ?? 'not selected' };
        }),
        `${tag}.${name}`,
      );
      if (own) await runs.uninstall(own);
      await writeRunReports(
        join(reportsDir, name),
        name,
        options,
        [name],
        defectResults,
        defectStartedAt,
        env.meshVersion,
      );
      const result = judgeMutant(name, selection, defectResults, selectedIds, performance.now() - t1);
      say(mutantLine(result, checks.length));
      return result;
    };
    const [conformantResults] = await Promise.all([
      conformantRun(),
      ...Array.from({ length: mutants.lanes - 1 }, (_, i) => anotherHost(`host-${i + 2}`)),
    ]);
    const results = exercised.flatMap((name) => byName.get(name) ?? []);

    const report = buildMutantsReport(mode, results, conformantResults, performance.now() - started);
    const file = join(resolve(options.output), 'mutants.json');
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    const caught = results.filter((d) => d.caught).length;
    const { ran, skipped, notNamed } = report.checkRuns;
    say(
      `\n${report.passed ? 'PASSED' : 'FAILED'}: ${caught}/${results.length} defects caught, ${report.conformantFailures} failure(s) on the conformant mesh, score ${report.score.toFixed(2)} · ${ran} check runs under defects, ${skipped} skipped (same configuration)${mode === 'targets' ? `, ${notNamed} not named by their defect (--thorough runs them)` : ''} · ${seconds(report.durationMs)}\n  ${relative(process.cwd(), file) || file}`,
    );
    return report.passed ? 0 : 1;
  } catch (error) {
    if (exiting) await exiting;
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runs.cleanup();
  }
}

function mutantLine(result: MutantResult, total: number): string {
  const verdict = result.caught ? 'caught' : 'MISSED';
  const scope =
    result.everyCheck && result.notNamed.length === 0
      ? `all ${total} ran (${result.everyCheck})`
      : `${result.ran.length}/${total} ran`;
  const failed = result.failedChecks.join(', ') || 'none';
  const errored = result.erroredChecks.length > 0 ? `; ERROR: ${result.erroredChecks.join(', ')}` : '';
  const unreachable =
    result.unreachableTargets.length > 0
      ? `; renders the same for its target(s) ${result.unreachableTargets.join(', ')}`
      : '';
  return `  ${result.name.padEnd(28)} ${verdict}  ${scope}; failed: ${failed}${errored}${unreachable} · ${seconds(result.durationMs)}`;
}

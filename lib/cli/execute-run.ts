import { randomBytes } from 'node:crypto';
import { lstat, rm, symlink } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { registry } from '../../suites/registry.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { meshCapabilities, modeOf } from '../meshes/capabilities.ts';
import { capabilityMatrix } from '../meshes/capability-matrix.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { haproxyVersion } from '../meshes/reference/haproxy-sidecar.ts';
import { type Check, type CheckResult, cliTimeouts } from '../model/index.ts';
import { kubectlRequirement, requireCli } from '../platforms/kubernetes/cli-steps.ts';
import { requireContainerRuntime } from '../platforms/kubernetes/container-runtime.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { createRunDirectory } from '../platforms/local/process-records.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import { type RunOutcome, writeRunReport } from '../report/run-report.ts';
import type { RunConfig } from '../runner/run-config.ts';
import { type RunReporter, runSuite } from '../runner/run-suite.ts';
import { selectChecks } from '../runner/select-checks.ts';
import { startEnvironment } from '../runner/start-environment.ts';
import { terminalText } from '../text/terminal-escape.ts';
import { cleanupRun } from './cleanup.ts';
import { harnessVersion } from './harness-version.ts';
import { checkTemporaryFolder, prepareOutputFolder, workDirectoryError } from './output-paths.ts';
import { startReaper } from './reaper.ts';
import { describeRemovedRuns, removeStaleRuns } from './stale-runs.ts';
import type { RunOptions } from './validate-run.ts';

/** Name of the link to the newest run in the output folder. */
export const latestLink = 'latest';

function runIdFor(mesh: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${mesh}-${randomBytes(2).toString('hex')}`;
}

/**
 * What a run or a benchmark needs on this machine, cheapest and most common problem first: a
 * temporary folder, then haproxy, or for clusters a container runtime (k3s; without Docker this
 * answers within a second or two), kubectl and the mesh CLI, and the named cluster.
 */
export async function requireRunnable(target: {
  readonly mesh: RunOptions['mesh'];
  readonly platform: RunOptions['platform'];
  readonly context?: string;
}): Promise<void> {
  await checkTemporaryFolder();
  if (target.mesh === 'reference' || target.platform === 'local') {
    await haproxyVersion();
    return;
  }
  if (target.platform === 'k3s') await requireContainerRuntime();
  await requireCli(kubectlRequirement);
  for (const requirement of clusterMeshFor(target.mesh).cliRequirements) await requireCli(requirement);
  if (target.platform === 'kubeconfig') await KubeClient.fromKubeconfig(target.context).serverVersion();
}

/**
 * Fails fast, before anything starts, when the run cannot work on this machine. Returns the
 * selected checks: the only place a run selects them.
 */
export async function preflight(options: RunOptions): Promise<Check[]> {
  const checks = selectChecks(registry, options.only);
  await requireRunnable(options);
  // Last, as it creates the output folder when it is missing.
  await prepareOutputFolder(options.output, { links: [latestLink] });
  return checks;
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);
const forever = () => new Promise<never>(() => undefined);

/** The closing lines of an interrupted run: what completed, and where its report is. */
function describeInterrupted(outcome: RunOutcome): string[] {
  const { report } = outcome;
  const s = report.summary;
  return [
    `INTERRUPTED by ${report.interruption?.signal} after ${report.interruption?.completed} of ${report.interruption?.selected} checks (${s.passed} passed, ${s.failed} failed, ${s.errored} errored, ${s.notSupported} not supported) · run ${terminalText(report.runId)} · not a verdict on the mesh; ${latestLink} was not moved`,
    ...outcome.files.map((file) => `  ${relative(process.cwd(), file) || file}`),
  ];
}

/** A startup failure the platform did not code is still reported once, coded, never as a stack trace. */
function startupError(error: unknown): MeshproofError {
  return isMeshproofError(error)
    ? error
    : new MeshproofError(
        'MESHPROOF_ENVIRONMENT_FAILED',
        `the platform and mesh did not start: ${(error as Error).message}`,
        { cause: error },
      );
}

/**
 * Runs the selected checks (from {@link preflight}) in this process and writes the reports into
 * `<output>/<run-id>/` (or `<output>/<runName>/` when named). The flow is one way: the run's
 * configuration is built once; the environment is owned here (`await using`) and started once; each
 * check's result goes to the reporters as it completes; the report is built once from the
 * results. A startup failure is thrown once, coded, with nothing written and nothing left running.
 * Everything the run starts is stopped, and its work directory removed, on return, on error and
 * on SIGINT/SIGTERM (then an INTERRUPTED report is written and the process exits 130 or 143);
 * when the CLI is killed outright, the run's reaper does it.
 */
export async function executeRun(
  options: RunOptions,
  checks: readonly Check[],
  {
    progress,
    runName,
    bench,
  }: { readonly progress: boolean; readonly runName?: string; readonly bench?: BenchReport },
): Promise<RunOutcome> {
  const runId = runIdFor(options.mesh);
  const outputRoot = resolve(options.output);
  // Created when the reports are written: a run killed before leaves no empty folder.
  const outputDir = join(outputRoot, runName ?? runId);
  const swept = describeRemovedRuns(await removeStaleRuns());
  if (swept) warn(swept);
  const workDir = await createRunDirectory('meshproof-run-').catch((error) => {
    throw workDirectoryError(error);
  });
  const reaper = await startReaper(workDir, warn);
  const config: RunConfig = {
    runId,
    mesh: options.mesh,
    routing: options.routing,
    platform: options.platform,
    only: options.only,
    defects: options.defects,
    workDir,
    outputDir,
    ...(options.basePort !== undefined ? { basePort: options.basePort } : {}),
    ...(options.context ? { context: options.context } : {}),
    installMesh: options.installMesh,
  };
  const progressReporter = progress ? new ProgressReporter() : undefined;
  const reporters: RunReporter[] = progressReporter ? [progressReporter] : [];
  const results: CheckResult[] = [];
  const startedAt = new Date();
  let meshVersion = 'unknown';
  const writeReport = (interruptedBy?: 'SIGINT' | 'SIGTERM') =>
    writeRunReport({
      config,
      registry,
      selected: checks,
      results,
      meshVersion,
      harnessVersion: harnessVersion(),
      capabilities: meshCapabilities(modeOf(options.mesh, options.routing)),
      capabilityMatrix: capabilityMatrix(),
      startedAt,
      ...(bench ? { bench } : {}),
      ...(interruptedBy ? { interruptedBy } : {}),
    });

  // Set once the complete run's report is being written: a signal then waits for it.
  let finishing: Promise<RunOutcome> | undefined;
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) return;
    interrupted = signal;
    progressReporter?.stop();
    warn(`\n${signal}: stopping the run's processes and removing ${workDir}…`);
    void (async () => {
      await cleanupRun(workDir, cliTimeouts.stopGraceMs);
      if (finishing) await finishing;
      else for (const line of describeInterrupted(await writeReport(signal))) say(line);
      reaper.dismiss();
    })().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    for (const reporter of reporters) reporter.onRunStart?.(checks);
    await using env = await startEnvironment(config, checks).catch((error: unknown) => {
      throw startupError(error);
    });
    meshVersion = env.meshVersion;
    // Collected as each check completes, not when the suite returns: an interrupted run's report
    // counts the checks that finished before the signal.
    const collector: RunReporter = { onCheckResult: (result) => results.push(result) };
    await runSuite(env, checks, {
      reporters: [collector, ...reporters],
      stopped: () => interrupted !== undefined,
    });
  } catch (error) {
    // An interrupted run ends in its signal handler, whatever breaks as its processes stop.
    if (!interrupted) throw error;
  } finally {
    if (!interrupted) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await cleanupRun(workDir);
      reaper.dismiss();
    }
  }
  if (interrupted) return forever();
  finishing = writeReport();
  const outcome = await finishing;
  if (runName) return outcome;
  const linkProblem = await pointLatestAt(outputRoot, outputDir);
  return linkProblem ? { ...outcome, writerFailures: [...outcome.writerFailures, linkProblem] } : outcome;
}

/** <output>/latest → the newest run; never replaces anything but the link. Returns a problem, if any. */
async function pointLatestAt(outputRoot: string, outputDir: string): Promise<string | undefined> {
  const link = join(outputRoot, latestLink);
  const existing = await lstat(link).catch(() => undefined);
  if (existing && !existing.isSymbolicLink()) {
    return `${link} is not a link (someone put a folder or file there): it was left as it is`;
  }
  await rm(link, { force: true });
  return symlink(basename(outputDir), link).then(
    () => undefined,
    (error: Error) => `${link} could not be pointed at the run: ${error.message}`,
  );
}

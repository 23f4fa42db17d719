import { randomBytes } from 'node:crypto';
import { lstat, rm, symlink } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { registry } from '../../suites/registry.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { meshCapabilities, modeOf } from '../meshes/capabilities.ts';
import { capabilityMatrix } from '../meshes/capability-matrix.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { haproxyVersion } from '../meshes/reference/haproxy-sidecar.ts';
import { cliTimeouts } from '../model/index.ts';
import { kubectlRequirement, requireCli } from '../platforms/kubernetes/cli-steps.ts';
import { requireContainerRuntime } from '../platforms/kubernetes/container-runtime.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { createRunDirectory } from '../platforms/local/process-records.ts';
import { ConformanceReporter, type RunOutcome } from '../report/conformance-reporter.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import type { RunConfig } from '../runner/run-config.ts';
import { selectChecks } from '../runner/select-checks.ts';
import { terminalText } from '../text/terminal-escape.ts';
import { cleanupRun, descendantPids } from './cleanup.ts';
import { harnessVersion } from './harness-version.ts';
import { checkTemporaryFolder, prepareOutputFolder, workDirectoryError } from './output-paths.ts';
import { startReaper } from './reaper.ts';
import { describeRemovedRuns, removeStaleRuns } from './stale-runs.ts';
import type { RunOptions } from './validate-run.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Longest a single check may take before vitest stops it (sampling caps keep checks far below). */
const checkTimeoutMs = 10 * 60_000;
/** Longest the platform and mesh may take to come up or go down. */
const environmentTimeoutMs = 5 * 60_000;

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

/** Fails fast, before anything starts, when the run cannot work on this machine. */
export async function preflight(options: RunOptions): Promise<void> {
  selectChecks(registry, options.only);
  await requireRunnable(options);
  // Last, as it creates the output folder when it is missing.
  await prepareOutputFolder(options.output, { links: [latestLink] });
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

/**
 * Runs the selected checks through vitest and writes the reports into `<output>/<run-id>/`
 * (or `<output>/<runName>/` when named). Everything the run starts is stopped, and its work
 * directory removed, on return, on error and on SIGINT/SIGTERM (then an INTERRUPTED report is
 * written and the process exits 130 or 143); when the CLI is killed outright, the run's reaper
 * does it.
 */
export async function executeRun(
  options: RunOptions,
  {
    progress,
    runName,
    bench,
  }: { readonly progress: boolean; readonly runName?: string; readonly bench?: BenchReport },
): Promise<RunOutcome> {
  const checks = selectChecks(registry, options.only);
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

  const conformance = new ConformanceReporter({
    config,
    registry,
    capabilities: meshCapabilities(modeOf(options.mesh, options.routing)),
    capabilityMatrix: capabilityMatrix(),
    harnessVersion: harnessVersion(),
    selected: checks.map((check) => check.id),
    ...(bench ? { bench } : {}),
  });
  const progressReporter = progress ? new ProgressReporter(checks.length) : undefined;
  const reporters: Reporter[] = progressReporter ? [progressReporter, conformance] : [conformance];

  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (interrupted) return;
    interrupted = signal;
    const finishing = conformance.interrupt();
    progressReporter?.stop();
    warn(`\n${signal}: stopping the run's processes and removing ${workDir}…`);
    void (async () => {
      // The vitest worker must stop too, or it goes on writing into the work directory.
      await cleanupRun(
        workDir,
        cliTimeouts.stopGraceMs,
        descendantPids().filter((pid) => pid !== reaper.pid),
      );
      if (!finishing)
        for (const line of describeInterrupted(await conformance.writeInterrupted(signal))) say(line);
      else await finishing;
      reaper.dismiss();
    })().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const ours = new Map(signals.map((signal) => [signal, new Set(process.listeners(signal))]));
    const vitest = await createVitest(
      {
        config: false,
        root: projectRoot,
        include: ['lib/runner/conformance-run.ts'],
        watch: false,
        reporters,
        pool: 'forks',
        maxWorkers: 1,
        fileParallelism: false,
        testTimeout: checkTimeoutMs,
        hookTimeout: environmentTimeoutMs,
        provide: { meshproofRun: config },
      },
      { logLevel: 'error' },
    );
    // vitest's own handlers exit the process 1 ms after a signal, before the run's processes are
    // stopped and its directory removed; the run's handler above does all of that, then exits.
    for (const signal of signals) {
      for (const listener of process.listeners(signal)) {
        if (!ours.get(signal)?.has(listener)) process.off(signal, listener);
      }
    }
    await vitest.start([]);
    await vitest.close();
  } catch (error) {
    // An interrupted run ends in its signal handler, whatever vitest throws as its worker stops.
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

  const outcome = conformance.outcome;
  if (!outcome) throw new Error('the run ended without a report');
  if (outcome.startupError) {
    await rm(outputDir, { recursive: true, force: true });
    throw new MeshproofError(
      outcome.startupError.code as MeshproofError['code'],
      outcome.startupError.message,
    );
  }
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

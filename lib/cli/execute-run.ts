import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter } from 'vitest/node';
import { createVitest } from 'vitest/node';
import { registry } from '../../suites/registry.ts';
import type { BenchReport } from '../bench/bench-report.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { meshCapabilities } from '../meshes/capabilities.ts';
import { capabilityMatrix } from '../meshes/capability-matrix.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { haproxyVersion } from '../meshes/reference/haproxy-sidecar.ts';
import { kubectlRequirement, requireCli } from '../platforms/kubernetes/cli-steps.ts';
import { requireContainerRuntime } from '../platforms/kubernetes/container-runtime.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { ConformanceReporter, type RunOutcome } from '../report/conformance-reporter.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import type { RunConfig } from '../runner/run-config.ts';
import { selectChecks } from '../runner/select-checks.ts';
import { cleanupRun, descendantPids } from './cleanup.ts';
import { harnessVersion } from './harness-version.ts';
import type { RunOptions } from './validate-run.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Longest a single check may take before vitest stops it (sampling caps keep checks far below). */
const checkTimeoutMs = 10 * 60_000;
/** Longest the platform and mesh may take to come up or go down. */
const environmentTimeoutMs = 5 * 60_000;

function runIdFor(mesh: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${mesh}-${randomBytes(2).toString('hex')}`;
}

/** Fails fast, before anything starts, when the run cannot work on this machine. */
export async function preflight(options: RunOptions): Promise<void> {
  selectChecks(registry, options.only);
  if (options.mesh === 'reference') {
    await haproxyVersion();
    return;
  }
  // Cheapest and most common problem first: on a laptop or CI runner without Docker this
  // answers within a second or two.
  if (options.platform === 'k3s') await requireContainerRuntime();
  await requireCli(kubectlRequirement);
  for (const requirement of clusterMeshFor(options.mesh).cliRequirements) await requireCli(requirement);
  if (options.platform === 'kubeconfig') await KubeClient.fromKubeconfig(options.context).serverVersion();
}

/**
 * Runs the selected checks through vitest and writes the reports into `<output>/<run-id>/`
 * (or `<output>/<runName>/` when named). Everything the run starts is stopped, and its work
 * directory removed, on return, on error and on SIGINT/SIGTERM.
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
  const outputDir = join(outputRoot, runName ?? runId);
  await mkdir(outputDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), 'meshproof-run-'));
  const config: RunConfig = {
    runId,
    mesh: options.mesh,
    platform: options.platform,
    only: options.only,
    defects: options.defects,
    workDir,
    outputDir,
    ...(options.basePort !== undefined ? { basePort: options.basePort } : {}),
    ...(options.context ? { context: options.context } : {}),
    installMesh: options.installMesh,
  };

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the run's processes and removing ${workDir}…\n`);
    // The vitest worker must stop too, or it goes on writing into the work directory.
    void cleanupRun(workDir, 2_000, descendantPids()).finally(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const conformance = new ConformanceReporter({
    config,
    registry,
    capabilities: meshCapabilities(options.mesh),
    capabilityMatrix: capabilityMatrix(),
    harnessVersion: harnessVersion(),
    ...(bench ? { bench } : {}),
  });
  const reporters: Reporter[] = progress ? [new ProgressReporter(checks.length), conformance] : [conformance];
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
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanupRun(workDir);
  }

  const outcome = conformance.outcome;
  if (!outcome) throw new Error('the run ended without a report');
  if (outcome.startupError) {
    await rm(outputDir, { recursive: true, force: true });
    throw new MeshproofError(
      outcome.startupError.code as MeshproofError['code'],
      outcome.startupError.message,
    );
  }
  if (!runName) await pointLatestAt(outputRoot, outputDir);
  return outcome;
}

/** <output>/latest → the newest run. */
async function pointLatestAt(outputRoot: string, outputDir: string): Promise<void> {
  const link = join(outputRoot, 'latest');
  await rm(link, { force: true });
  await symlink(basename(outputDir), link).catch(() => undefined);
}

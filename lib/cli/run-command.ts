import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVitest } from 'vitest/node';
import { registry } from '../../suites/registry.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { meshCapabilities } from '../meshes/capabilities.ts';
import { haproxyVersion } from '../meshes/reference/haproxy-sidecar.ts';
import { ConformanceReporter } from '../report/conformance-reporter.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import type { RunConfig } from '../runner/run-config.ts';
import { selectChecks } from '../runner/select-checks.ts';
import { cleanupRun } from './cleanup.ts';
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

/** The exit code of a finished run: 0 conformant, 1 some check FAILED or ERROR. */
export async function runConformance(options: RunOptions): Promise<number> {
  const checks = selectChecks(registry, options.only);
  await preflight(options);

  const runId = runIdFor(options.mesh);
  const outputRoot = resolve(options.output);
  const outputDir = join(outputRoot, runId);
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
  };

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the run's processes and removing ${workDir}…\n`);
    void cleanupRun(workDir).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  process.stdout.write(
    `meshproof ${harnessVersion()} · run ${runId} · mesh ${options.mesh} · platform ${options.platform}${options.defects.length > 0 ? ` · defects ${options.defects.join(',')}` : ''}\n`,
  );
  const conformance = new ConformanceReporter({
    config,
    registry,
    capabilities: meshCapabilities(options.mesh),
    harnessVersion: harnessVersion(),
  });
  try {
    const vitest = await startVitest(
      [],
      {
        config: false,
        root: projectRoot,
        include: ['lib/runner/conformance-run.ts'],
        watch: false,
        reporters: [new ProgressReporter(checks.length), conformance],
        pool: 'forks',
        maxWorkers: 1,
        fileParallelism: false,
        testTimeout: checkTimeoutMs,
        hookTimeout: environmentTimeoutMs,
        provide: { meshproofRun: config },
      },
      { logLevel: 'error' },
    );
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
  await pointLatestAt(outputRoot, outputDir);
  for (const failure of outcome.writerFailures)
    process.stderr.write(`warning: a report could not be written: ${failure}\n`);
  const { summary, verdict } = outcome.report;
  process.stdout.write(
    `\n${verdict}: ${summary.passed} passed, ${summary.failed} failed, ${summary.errored} errored, ${summary.notSupported} not supported, ${summary.skipped} skipped · false-failure bound ${outcome.report.falseFailureBound.toExponential(1)}\n`,
  );
  for (const file of outcome.files) process.stdout.write(`  ${relative(process.cwd(), file) || file}\n`);
  return verdict === 'PASSED' ? 0 : 1;
}

/** Fails fast, before anything starts, when the run cannot work on this machine. */
async function preflight(options: RunOptions): Promise<void> {
  if (options.mesh === 'reference') {
    await haproxyVersion();
    return;
  }
  throw new MeshproofError(
    'MESHPROOF_UNSUPPORTED_COMBINATION',
    `mesh ${options.mesh} on platform ${options.platform} cannot be run by this version of meshproof yet; use --mesh reference (the local proving ground)`,
  );
}

/** reports/latest → the newest run, replaced atomically enough for a single user. */
async function pointLatestAt(outputRoot: string, outputDir: string): Promise<void> {
  const link = join(outputRoot, 'latest');
  await rm(link, { force: true });
  await symlink(basename(outputDir), link).catch(() => undefined);
}

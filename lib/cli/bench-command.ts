import { randomBytes } from 'node:crypto';
import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import type { BenchFlags } from '../bench/bench-options.ts';
import { benchConfigFromFlags, benchDefaults, estimateLocalBenchSeconds } from '../bench/bench-options.ts';
import { type BenchReport, buildBenchReport } from '../bench/bench-report.ts';
import type { BenchConfig, BenchRunData } from '../bench/bench-types.ts';
import { runClusterBenchOnPlatform } from '../bench/cluster-bench.ts';
import { runLocalBench } from '../bench/local-bench.ts';
import { meshNames, platformNames } from '../model/index.ts';
import { createRunDirectory } from '../platforms/local/process-records.ts';
import { latestBenchLink, writeBenchFiles } from '../report/bench-files.ts';
import { terminalText } from '../text/terminal-escape.ts';
import { cleanupRun } from './cleanup.ts';
import { requireRunnable } from './execute-run.ts';
import { harnessVersion } from './harness-version.ts';
import { prepareOutputFolder, workDirectoryError } from './output-paths.ts';
import { startReaper } from './reaper.ts';
import { describeRemovedRuns, removeStaleRuns } from './stale-runs.ts';
import { timeoutsOption } from './timeouts-file.ts';
import { validateRunFlags } from './validate-run.ts';

/** Raw options of `meshproof bench`. */
export interface BenchCommandFlags extends BenchFlags {
  readonly mesh?: string;
  readonly platform?: string;
  readonly output?: string;
  readonly basePort?: string;
  readonly context?: string;
  readonly installMesh?: boolean;
}

function benchRunId(mesh: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-bench-${mesh}-${randomBytes(2).toString('hex')}`;
}

/** Fails fast, before anything starts, when the benchmark cannot run on this machine. */
export async function benchPreflight(config: BenchConfig): Promise<void> {
  await requireRunnable(config);
  // Last, as it creates the output folder when it is missing.
  await prepareOutputFolder(config.output, { links: [latestBenchLink] });
}

const sign = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(3)}`;

/** The terminal summary: added latency and proxy CPU per rate, then the self-checks. */
export function formatBenchSummary(report: BenchReport): string {
  const lines = [
    '',
    'rate (rps)  added p50    p90      p99      p99.9  (ms)   proxies CPU avg (millicores) / RSS max (MiB)',
  ];
  for (const point of report.results) {
    const proxies = point.proxies
      .map(
        (p) =>
          `${terminalText(p.role)} ${p.cpuMillicores ? p.cpuMillicores.avg.toFixed(0) : '–'} / ${p.memoryMiB ? p.memoryMiB.max.toFixed(1) : '–'}`,
      )
      .join(', ');
    const added = point.addedLatencyMs;
    lines.push(
      `${String(point.targetRps).padStart(10)}  ${
        added
          ? [added.p50, added.p90, added.p99, added.p999].map((v) => sign(v).padStart(8)).join(' ')
          : `invalid: ${terminalText(point.problems[0] ?? '')}`.padEnd(35)
      }   ${proxies}`,
    );
  }
  lines.push('');
  for (const check of report.selfChecks) {
    lines.push(
      `  ${check.status === 'passed' ? '✓' : check.status === 'failed' ? '✗' : '–'} ${terminalText(check.name).padEnd(13)} ${terminalText(check.got)}`,
    );
  }
  if (report.driverCapacity) {
    const c = report.driverCapacity;
    const wrk =
      'requestsPerSecond' in c.wrk
        ? `wrk ${c.wrk.requestsPerSecond} rps, ratio ${c.ratio?.toFixed(2) ?? '–'}`
        : `wrk: ${terminalText(c.wrk.unavailable)}`;
    lines.push(
      `  driver capacity: ${c.driver.requestsPerSecond} rps (closed loop, ${c.connections} connections); ${wrk}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `meshproof bench`: 0 when every self-check passed, 1 when one failed (figures written anyway). */
export async function runBench(flags: BenchCommandFlags): Promise<number> {
  const target = validateRunFlags({
    ...(flags.mesh !== undefined ? { mesh: flags.mesh } : {}),
    ...(flags.platform !== undefined ? { platform: flags.platform } : {}),
    ...(flags.output !== undefined ? { output: flags.output } : {}),
    ...(flags.basePort !== undefined ? { basePort: flags.basePort } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    ...(flags.installMesh !== undefined ? { installMesh: flags.installMesh } : {}),
  });
  const config = benchConfigFromFlags(flags, {
    mesh: target.mesh,
    platform: target.platform,
    output: target.output,
    installMesh: target.installMesh,
    ...(target.basePort !== undefined ? { basePort: target.basePort } : {}),
    ...(target.context !== undefined ? { context: target.context } : {}),
  });
  await benchPreflight(config);
  const runId = benchRunId(config.mesh);
  const estimate =
    config.platform === 'local' ? ` · about ${Math.ceil(estimateLocalBenchSeconds(config) / 60)} min` : '';
  process.stdout.write(
    `meshproof ${harnessVersion()} bench · run ${runId} · mesh ${config.mesh} · platform ${config.platform}${estimate}\n` +
      `rates ${config.rates.join(', ')} rps · ${config.durationMs / 1000} s × ${config.repetitions} repetition(s) per mode · payload ${config.payloadBytes} B · ${config.connections} connections${config.calibrate ? ` · calibration ${config.calibrationDelayMs} ms` : ''}${config.driverCapacity ? ' · driver capacity' : ''}\n`,
  );
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  const swept = describeRemovedRuns(await removeStaleRuns());
  if (swept) warn(swept);
  const workDir = await createRunDirectory('meshproof-bench-').catch((error) => {
    throw workDirectoryError(error);
  });
  const reaper = await startReaper(workDir, warn);
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    warn(`\n${signal}: stopping the benchmark's processes and removing ${workDir}…`);
    void cleanupRun(workDir)
      .then(() => reaper.dismiss())
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  let data: BenchRunData;
  try {
    data =
      config.platform === 'local'
        ? await runLocalBench(config, { runId, workDir, harnessVersion: harnessVersion(), log })
        : await runClusterBenchOnPlatform(config, { runId, workDir, harnessVersion: harnessVersion(), log });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanupRun(workDir);
    reaper.dismiss();
  }
  const report = buildBenchReport(data);
  const files = await writeBenchFiles(report, config.output);
  process.stdout.write(formatBenchSummary(report));
  process.stdout.write(
    `\n${report.passed ? 'PASSED' : 'SELF-CHECK FAILED'}: benchmark ${runId} in ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  for (const file of files) process.stdout.write(`  ${relative(process.cwd(), file) || file}\n`);
  return report.passed ? 0 : 1;
}

/** Adds `meshproof bench` to the CLI. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'sidecar-overhead benchmark: latency the mesh adds over a no-mesh baseline at constant arrival rates, and proxy CPU and memory; writes <output>/bench/<run-id>/{bench.json,bench.md,bench.html}',
    )
    .addOption(
      new Option('--mesh <name>', `mesh under test: ${meshNames.join(', ')}`)
        .default('reference')
        .env('MESH'),
    )
    .addOption(
      new Option(
        '--platform <name>',
        `where it runs: ${platformNames.join(', ')} (default: local for reference, else k3s)`,
      ),
    )
    .option(
      '--rates <list>',
      `comma-separated arrival rates in requests per second (default ${benchDefaults.rates.join(',')})`,
    )
    .option(
      '--duration <time>',
      `measured length of each window: one mode at one rate in one repetition (default ${benchDefaults.durationMs / 1000}s)`,
    )
    .option(
      '--slices <n>',
      `local: measure each window as this many slices interleaved over the whole run, so that every repetition samples the same drift of the machine (default ${benchDefaults.slices})`,
    )
    .option(
      '--warmup <time>',
      `unrecorded lead-in of each window (each slice) at its rate (default ${benchDefaults.warmupMs / 1000}s)`,
    )
    .option('--repeat <n>', `repetitions of every window (default ${benchDefaults.repetitions})`)
    .option('--payload <size>', `response payload, e.g. 1KiB, 4096 (default ${benchDefaults.payloadBytes} B)`)
    .option(
      '--connections <n>',
      `keep-alive connections of the load generator (default ${benchDefaults.connections})`,
    )
    .option('--timeout <time>', `per-request timeout (default ${benchDefaults.timeoutMs / 1000}s)`)
    .option(
      '--calibrate',
      'also measure a known delay (the echo app waits --calibrate-delay) and check it is measured as such',
    )
    .option('--calibrate-delay <time>', `the known delay (default ${benchDefaults.calibrationDelayMs}ms)`)
    .option('--driver-capacity', "local: also measure the load generator's maximum throughput next to wrk's")
    .option(
      '--capacity-duration <time>',
      `length of each capacity run (default ${benchDefaults.capacityDurationMs / 1000}s)`,
    )
    .option('--output <dir>', 'where bench/<run-id>/ is written', 'reports')
    .addOption(timeoutsOption())
    .option(
      '--base-port <port>',
      'local platform: allocate ports consecutively from here instead of free ones',
    )
    .option(
      '--context <name>',
      'kubeconfig platform: the kubeconfig context to use (required; never guessed)',
    )
    .option('--install-mesh', 'kubeconfig platform: install the mesh (and remove it afterwards)')
    .addHelpText(
      'after',
      `
Exit codes: 0 every self-check passed, 1 a self-check failed (the figures are written, flagged), 2 bad input or environment.`,
    )
    .action(async (flags: BenchCommandFlags) => {
      process.exitCode = await runBench(flags);
    });
}

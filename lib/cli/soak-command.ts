import { randomBytes } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, release, type } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Command } from 'commander';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { soakTimeouts } from '../model/index.ts';
import { type CpuStress, startCpuStress } from '../soak/cpu-stress.ts';
import { sampleMachineLoad } from '../soak/machine-load.ts';
import {
  buildSoakReport,
  renderSoakMarkdown,
  type SoakReport,
  type SoakRunInput,
  soakVerdictLine,
} from '../soak/soak-report.ts';
import { executeRun, preflight } from './execute-run.ts';
import { timeoutsOption } from './timeouts-file.ts';
import { validateRunFlags } from './validate-run.ts';

/** Raw options of `meshproof soak`. */
export interface SoakFlags {
  readonly runs?: string;
  readonly stress?: boolean;
  readonly only?: string;
  readonly output?: string;
}

/** Runs of a soak when `--runs` is not given: the figure the README quotes. */
export const defaultSoakRuns = 20;
const maxSoakRuns = 1000;

/** `--runs 20` → 20; anything but a whole number from 1 to 1000 is a coded error. */
export function parseSoakRuns(text: string | undefined): number {
  if (text === undefined) return defaultSoakRuns;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > maxSoakRuns) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      `--runs must be a whole number from 1 to ${maxSoakRuns}, not "${text}" (e.g. --runs 20)`,
    );
  }
  return Number(text);
}

function soakIdFor(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-soak-${randomBytes(2).toString('hex')}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** <output>/latest-soak → the newest soak. */
async function pointLatestSoakAt(outputRoot: string, soakId: string): Promise<void> {
  const link = join(outputRoot, 'latest-soak');
  await rm(link, { force: true });
  await symlink(join('soak', soakId), link).catch(() => undefined);
}

/**
 * `meshproof soak`: the suite again and again on the conformant reference mesh, optionally with
 * every CPU kept busy by stress processes it starts and stops itself. Every FAILED or ERROR is a
 * false failure: the exit code is 1 on any, 0 when there is none.
 */
export async function runSoak(flags: SoakFlags): Promise<number> {
  const runs = parseSoakRuns(flags.runs);
  const options = validateRunFlags({
    mesh: 'reference',
    ...(flags.only !== undefined ? { only: flags.only } : {}),
    ...(flags.output !== undefined ? { output: flags.output } : {}),
  });
  const checks = await preflight(options);
  const soakId = soakIdFor();
  const outputRoot = resolve(options.output);
  const dir = join(outputRoot, 'soak', soakId);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let stress: CpuStress | undefined;
  const stopStress = () => stress?.kill();
  // A run's own handler stops its processes; the soak then ends without starting another run
  // (and without counting the interrupted one). Between runs, this handler ends it.
  let inRun = false;
  let interrupted: NodeJS.Signals | undefined;
  const exitCodeOf = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    stopStress();
    if (!inRun) process.exit(exitCodeOf(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', stopStress);

  const startedAt = new Date();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    os: `${type()} ${release()}`,
    node: process.version,
  };
  const completed: SoakRunInput[] = [];
  let report: SoakReport | undefined;
  const writeSoak = async () => {
    report = buildSoakReport({
      soakId,
      runsRequested: runs,
      stress: stress ? { processes: stress.processes } : null,
      only: options.only,
      machine,
      startedAt,
      now: new Date(),
      runs: completed,
    });
    await writeFile(join(dir, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(dir, 'soak.md'), renderSoakMarkdown(report));
  };
  try {
    if (flags.stress) stress = await startCpuStress(runs * soakTimeouts.stressLifetimePerRunMs);
    say(
      `soak ${soakId}: the suite ${runs} time(s) on the conformant reference mesh${stress ? `, every CPU kept busy by ${stress.processes} stress processes (pids ${stress.pids.join(', ')}; stopped at the end)` : ''}`,
    );
    await mkdir(dir, { recursive: true });
    await writeSoak();
    for (let index = 1; index <= runs; index++) {
      const folder = `run-${String(index).padStart(String(runs).length, '0')}`;
      const load = sampleMachineLoad(soakTimeouts.loadSampleMs);
      const t0 = performance.now();
      inRun = true;
      const outcome = await executeRun({ ...options, output: dir }, checks, {
        progress: false,
        runName: folder,
      }).catch((error: unknown) => {
        if (interrupted) return undefined;
        throw error;
      });
      inRun = false;
      if (interrupted || !outcome) break;
      const wallMs = performance.now() - t0;
      const run: SoakRunInput = {
        folder,
        runId: outcome.report.runId,
        wallMs,
        load: load.stop(),
        checks: outcome.report.checks,
      };
      completed.push(run);
      await writeSoak();
      const failed = outcome.report.checks.filter((c) => c.status === 'FAILED' || c.status === 'ERROR');
      const { loadAverage, cpuBusy } = run.load;
      say(
        `  run ${String(index).padStart(String(runs).length)}/${runs}  ${failed.length === 0 ? 'no false failures' : `FALSE FAILURE: ${failed.map((c) => `${c.id} (${c.status})`).join(', ')}`} · ${seconds(wallMs)} · load average ${loadAverage.start.toFixed(2)}→${loadAverage.max.toFixed(2)} · CPUs ${Math.round(cpuBusy * 100)}% busy`,
      );
    }
  } finally {
    inRun = false;
    await stress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', stopStress);
  }
  await writeSoak();
  if (interrupted) process.exit(exitCodeOf(interrupted));
  await pointLatestSoakAt(outputRoot, soakId);
  const final = report as SoakReport;
  say(`\n${soakVerdictLine(final)}`);
  for (const check of final.checks.filter((c) => c.failedRuns.length > 0)) {
    say(
      `  ${check.id}: failed in run(s) ${check.failedRuns.join(', ')}; last: ${check.lastFailure?.got ?? ''}`,
    );
  }
  for (const file of ['soak.json', 'soak.md']) say(`  ${relative(process.cwd(), join(dir, file))}`);
  return final.passed ? 0 : 1;
}

/** Adds `meshproof soak` to the CLI. */
export function registerSoakCommand(program: Command): void {
  program
    .command('soak')
    .description(
      'run the suite again and again on the conformant reference mesh (optionally with every CPU kept busy) and count the false failures per check; writes <output>/soak/<soak-id>/{soak.json,soak.md,run-NN/}',
    )
    .option('--runs <n>', `how many times to run the suite (1 to ${maxSoakRuns}, default ${defaultSoakRuns})`)
    .option(
      '--stress',
      'keep every CPU of this machine busy during the runs, with one busy process per CPU that meshproof starts and stops (they also end by themselves if meshproof dies)',
    )
    .option('--only <patterns>', 'restrict the suite to these checks (as for run)')
    .option('--output <dir>', 'where soak/<soak-id>/ is written', 'reports')
    .addOption(timeoutsOption())
    .addHelpText(
      'after',
      `
Each run is a complete \`meshproof run\` (its reports in run-NN/); between runs soak.json and
soak.md are rewritten, so an interrupted soak keeps what it measured. Per run it records the wall
time, the 1-minute load average (start, highest, end) and the share of CPU time the machine was
busy; per check, how many runs it failed in. On the conformant mesh every FAILED or ERROR is a
false failure of the harness.

Exit codes: 0 no false failure in any run, 1 at least one, 2 bad input or environment (one coded line).`,
    )
    .action(async (flags: SoakFlags) => {
      process.exitCode = await runSoak(flags);
    });
}

#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { registry } from '../../suites/registry.ts';
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { parseText, parseWholeNumber } from '../flags/flag-values.ts';
import { capabilityMatrix, renderCapabilityMatrix } from '../meshes/capability-matrix.ts';
import { referenceDefectNames, referenceDefects } from '../meshes/reference/defects.ts';
import { meshNames, platformNames, routingNames, timeoutGroups } from '../model/index.ts';
import { pinnedVersions } from '../versions.ts';
import { registerBenchCommand } from './bench-command.ts';
import { runClean } from './clean-command.ts';
import { runDiff } from './diff-command.ts';
import { harnessVersion } from './harness-version.ts';
import { defaultMutantLanes, maxMutantLanes, runMutants } from './mutants-command.ts';
import { runPlan } from './plan-command.ts';
import { runConformance } from './run-command.ts';
import { registerSoakCommand } from './soak-command.ts';
import { timeoutsOption, useTimeoutsFile } from './timeouts-file.ts';
import { validateRunFlags } from './validate-run.ts';

const program = new Command('meshproof')
  .description(
    'Chaos and conformance harness for service meshes: proves, from the traffic a client sees, that a mesh does what its configuration says.',
  )
  .version(harnessVersion())
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined })
  // Before any command starts anything: overridden timeouts are in force for its every wait.
  .hook('preAction', (_program, command) => {
    const file: unknown = command.opts().timeouts;
    if (typeof file === 'string') useTimeoutsFile(file);
  });

program
  .command('run')
  .description(
    'run the conformance checks and write reports/<run-id>/{report.json,junit.xml,report.html,summary.md}',
  )
  .addOption(
    new Option('--mesh <name>', `mesh under test: ${meshNames.join(', ')}`).default('reference').env('MESH'),
  )
  .addOption(
    new Option(
      '--platform <name>',
      `where it runs: ${platformNames.join(', ')} (default: local for reference, else k3s)`,
    ),
  )
  .option(
    '--only <patterns>',
    "comma-separated check ids, dotted prefixes (security.mtls) or globs ('traffic.*')",
  )
  .option(
    '--defect <names>',
    'comma-separated deliberate defects of the reference mesh (see `meshproof defects`)',
  )
  .option('--output <dir>', 'where run folders are written', 'reports')
  .addOption(
    new Option(
      '--routing <api>',
      `Istio sidecars (--mesh istio) only: give routes as ${routingNames.join(' (default) or ')} (Gateway API HTTPRoutes with the Service as parent); istio-ambient always uses HTTPRoutes`,
    ).env('ROUTING'),
  )
  .option(
    '--bench <path>',
    'show this benchmark in report.html (a bench.json or its folder, e.g. reports/latest-bench): one page for a nightly that runs both',
  )
  .option('--base-port <port>', 'local platform: allocate ports consecutively from here instead of free ones')
  .option('--context <name>', 'kubeconfig platform: the kubeconfig context to use (required; never guessed)')
  .option(
    '--install-mesh',
    'kubeconfig platform: install the mesh (and remove it afterwards) instead of using the one found',
  )
  .addOption(timeoutsOption())
  .addHelpText(
    'after',
    `
Platforms:
  local       every workload is a process on this machine with haproxy sidecars (reference mesh only)
  k3s         an ephemeral k3s cluster in Docker/Podman (testcontainers); the mesh is installed, all removed at the end
  kubeconfig  an existing cluster: only namespaces labelled with the run id are created and deleted

Pinned versions (override with the environment): ${Object.values(pinnedVersions)
      .map((p) => `${p.env}=${p.value}`)
      .join(', ')}

Exit codes: 0 conformant, 1 a check FAILED or ERRORed, 2 bad input or environment (one coded line),
130/143 interrupted by SIGINT/SIGTERM (the report of the checks that completed says INTERRUPTED;
reports/latest is not moved). A run killed outright is cleaned up by its reaper, or by the next run
or \`meshproof clean\`.`,
  )
  .action(async (flags) => {
    process.exitCode = await runConformance(validateRunFlags(flags));
  });

program
  .command('plan')
  .description(
    'write every manifest and command a live cluster run would apply, without touching a cluster: <output>/plan/<mesh>/',
  )
  .addOption(new Option('--mesh <name>', 'istio, istio-ambient or linkerd').default('istio').env('MESH'))
  .addOption(
    new Option(
      '--routing <api>',
      `--mesh istio only: ${routingNames.join(' (default) or ')}; the plan is written to plan/istio-gateway-api/ for gateway-api`,
    ).env('ROUTING'),
  )
  .option('--only <patterns>', 'restrict to these checks (as for run)')
  .option('--output <dir>', 'where plan/<mesh>/ is written', 'reports')
  .addOption(timeoutsOption())
  .action(async (flags) => {
    const { mesh, only, output, routing } = validateRunFlags({
      mesh: flags.mesh,
      only: flags.only,
      output: flags.output,
      routing: flags.routing,
      platform: flags.mesh === 'reference' ? 'local' : 'k3s',
    });
    process.exitCode = await runPlan({ mesh, routing, only, output });
  });

registerBenchCommand(program);

program
  .command('features')
  .description('the capability matrix: which features each mesh supports and which checks run on it')
  .option('--json', 'print the matrix as JSON')
  .action((flags) => {
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(capabilityMatrix(), null, 2)}\n`
        : renderCapabilityMatrix(capabilityMatrix()),
    );
  });

program
  .command('mutants')
  .description(
    'run the suite on the conformant reference mesh, then under each defect the checks it names (--thorough: every check whose configuration it changes); write reports/mutants.json (which checks ran under each defect, and why); exit 0 only if every defect is caught',
  )
  .option(
    '--only <patterns>',
    'restrict the suite to these checks (as for run); defects none of whose checks is selected are left out',
  )
  .option('--output <dir>', 'where mutants/<defect>/ and mutants.json are written', 'reports')
  .option(
    '--lanes <n>',
    `conformant installations that take defects at once, each on its own ports (1 to ${maxMutantLanes}; 1: one after the other)`,
    String(defaultMutantLanes),
  )
  .option(
    '--thorough',
    'under each defect run every check whose configuration it changes, not only those it names (slower; shows what else it breaks)',
  )
  .addOption(timeoutsOption())
  .addHelpText(
    'after',
    `
A defect is caught when every check it names FAILED: by default only those run under it, on a
conformant installation with the defect's rendering (a defect that declares an effect outside
the rendering, unrenderedEffect, gets an installation of its own; --lanes installations take
defects at once, the first after running the whole suite). A check's verdict depends on
the mesh only through the configuration rendered for it and the files the mesh installed; each
check a defect renders the same for is skipped, and every check it names must render
differently (make test proves it, and that every such defect installs the same files).
--thorough also runs the checks it renders differently for but does not name; every check when
it changes the baseline configuration or declares unrenderedEffect.

Exit codes: 0 no failure on the conformant mesh and every defect caught, 1 otherwise, 2 bad input or environment.`,
  )
  .action(async (flags) => {
    const { thorough, lanes, timeouts: _timeouts, ...run } = flags;
    process.exitCode = await runMutants(validateRunFlags({ ...run, mesh: 'reference' }), {
      thorough: thorough === true,
      lanes: parseWholeNumber(lanes, '--lanes', 1, maxMutantLanes),
    });
  });

registerSoakCommand(program);

program
  .command('diff')
  .description(
    'compare two conformance runs check by check, or two benchmarks point by point (report.json or bench.json files, or run folders); write diff.json and diff.md; exit 1 on any regression (PASSED → FAILED/ERROR) or when a benchmark point moved beyond the repeatability threshold (p50 by more than 10%)',
  )
  .argument('<base>', 'report.json or bench.json (or run folder) of the run before the change')
  .argument('<candidate>', 'report.json or bench.json (or run folder) of the run after the change')
  .option('--output <dir>', "where diff.json and diff.md are written (default: the candidate's run folder)")
  .option(
    '--allow-partial',
    'also compare the report of an interrupted run (verdict INTERRUPTED): its checks not reached count as SKIPPED',
  )
  .addHelpText(
    'after',
    `
Inputs must be regular files of at most 256 MiB (or run folders holding one); the report of an
interrupted run is refused unless --allow-partial. Exit codes: 0 no regression, 1 a regression,
2 bad input (one coded line).`,
  )
  .action(async (base: string, candidate: string, flags: { output?: string; allowPartial?: boolean }) => {
    process.exitCode = await runDiff({
      base: parseText(base, '<base>', 'a report.json, bench.json or run folder'),
      candidate: parseText(candidate, '<candidate>', 'a report.json, bench.json or run folder'),
      ...(flags.output !== undefined ? { output: parseText(flags.output, '--output', 'a folder') } : {}),
      allowPartial: flags.allowPartial === true,
    });
  });

program
  .command('clean')
  .description(
    'stop the processes and remove the temporary folders of meshproof runs that were killed before they could clean up (their CLI is gone); a live run and anything meshproof did not create are never touched',
  )
  .option('--dry-run', 'list what would be removed, and remove nothing')
  .action(async (flags: { dryRun?: boolean }) => {
    process.exitCode = await runClean({ dryRun: flags.dryRun === true });
  });

program
  .command('timeouts')
  .description(
    'list every named timeout and the value in force (milliseconds; convergenceConfirmations is a count), as a --timeouts file gives them',
  )
  .addOption(timeoutsOption())
  .action(() => {
    process.stdout.write(`${JSON.stringify(timeoutGroups, null, 2)}\n`);
  });

program
  .command('list')
  .description('list the conformance checks')
  .action(() => {
    for (const check of registry) {
      process.stdout.write(`${check.id.padEnd(48)} ${check.profile.padEnd(9)} ${check.features.join(',')}\n`);
    }
  });

program
  .command('defects')
  .description('list the deliberate defects of the reference mesh and the checks each must fail')
  .action(() => {
    for (const name of referenceDefectNames) {
      const defect = referenceDefects[name];
      process.stdout.write(
        `${name.padEnd(24)} ${defect.description}\n${''.padEnd(24)} caught by: ${defect.catches.join(', ')}\n`,
      );
    }
  });

// Output piped into a reader that stopped reading (`meshproof diff … | head`): stop quietly, as
// Unix tools do, keeping the exit code the command chose so far.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    ) {
      process.exit(0);
    }
    const bad = new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      `${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')}; see \`meshproof --help\` or \`meshproof run --help\``,
    );
    process.stderr.write(`${formatError(bad)}\n`);
    process.exit(2);
  }
  if (isMeshproofError(error)) {
    process.stderr.write(`${formatError(error)}\n`);
    process.exit(2);
  }
  throw error;
}

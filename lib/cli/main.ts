#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { registry } from '../../suites/registry.ts';
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { referenceDefectNames, referenceDefects } from '../meshes/reference/defects.ts';
import { meshNames, platformNames } from '../model/index.ts';
import { harnessVersion } from './harness-version.ts';
import { runConformance } from './run-command.ts';
import { validateRunFlags } from './validate-run.ts';

const program = new Command('meshproof')
  .description(
    'Chaos and conformance harness for service meshes: proves, from the traffic a client sees, that a mesh does what its configuration says.',
  )
  .version(harnessVersion())
  .showHelpAfterError(false)
  .exitOverride()
  .configureOutput({ writeErr: () => undefined });

program
  .command('run')
  .description('run the conformance checks and write reports/<run-id>/{report.json,junit.xml}')
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
  .option('--base-port <port>', 'local platform: allocate ports consecutively from here instead of free ones')
  .action(async (flags) => {
    process.exitCode = await runConformance(validateRunFlags(flags));
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
      `${error.message.replace(/^error: /, '')}; see \`meshproof --help\` or \`meshproof run --help\``,
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

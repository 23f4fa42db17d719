/**
 * `--timeouts FILE` / `MESHPROOF_TIMEOUTS=FILE`: named timeouts overridden from a JSON file for a
 * slow cluster (lib/model/timeouts.ts says what each one bounds). Read once, before anything starts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { applyTimeoutOverrides, parseTimeoutOverrides } from '../model/index.ts';

export const timeoutsEnv = 'MESHPROOF_TIMEOUTS';

/** The option every command that waits takes (run, plan, bench, mutants, soak, timeouts). */
export function timeoutsOption(): Option {
  return new Option(
    '--timeouts <file>',
    'JSON file overriding named timeouts for a slow cluster, e.g. {"cluster": {"convergenceMs": 120000}}; `meshproof timeouts` lists every name and the value in force',
  ).env(timeoutsEnv);
}

/**
 * Puts the file's overrides in force for this process, and for the processes it starts (the
 * reaper reads the same file through the environment). A bad file is MESHPROOF_BAD_TIMEOUTS.
 */
export function useTimeoutsFile(file: string): void {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new MeshproofError(
      'MESHPROOF_BAD_TIMEOUTS',
      `${file}: cannot read the timeouts file (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}); give a readable JSON file`,
      { cause },
    );
  }
  applyTimeoutOverrides(parseTimeoutOverrides(text, file));
  process.env[timeoutsEnv] = path;
}

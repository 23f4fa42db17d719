import { tmpdir } from 'node:os';
import { canIdentifyProcesses } from '../platforms/local/process-records.ts';
import { findStaleRuns, removeStaleRuns } from './stale-runs.ts';

/**
 * `meshproof clean`: removes what runs killed outright (SIGKILL, a crash of the machine's OOM
 * killer, a closed CI runner) left behind: their processes and temporary folders. Every run does
 * the same when it starts; this is the command for when no run follows.
 */
export async function runClean({ dryRun }: { readonly dryRun: boolean }): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!canIdentifyProcesses()) {
    say('this machine does not tell when a process started (no /proc, no ps): nothing is touched');
    return 0;
  }
  const stale = dryRun ? await findStaleRuns() : await removeStaleRuns();
  if (stale.length === 0) {
    say(`no stale meshproof runs in ${tmpdir()}`);
    return 0;
  }
  for (const run of stale) {
    say(
      `${dryRun ? 'would remove' : 'removed'} ${run.dir} (its meshproof, pid ${run.owner.pid}, is gone; ${run.recorded} process(es) recorded, those still running ${dryRun ? 'would be' : 'were'} stopped)`,
    );
  }
  return 0;
}

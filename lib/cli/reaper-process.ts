/**
 * The reaper process of one run (see reaper.ts): waits for the CLI's end, then cleans up the run
 * directory given as its argument and exits. Its inputs are that argument, its IPC channel and the
 * timeouts file the CLI was given (MESHPROOF_TIMEOUTS).
 */
import { cliTimeouts } from '../model/index.ts';
import { cleanupRun } from './cleanup.ts';
import { readyMessage } from './reaper.ts';
import { timeoutsEnv, useTimeoutsFile } from './timeouts-file.ts';

const workDir = process.argv[2];
if (!workDir || !process.send) {
  process.stderr.write('meshproof reaper: started without a run directory or an IPC channel\n');
  process.exit(2);
}
process.title = 'meshproof-reaper';
// The CLI checked the file before it started this process: the same overrides, or the defaults.
const timeoutsFile = process.env[timeoutsEnv];
if (timeoutsFile) {
  try {
    useTimeoutsFile(timeoutsFile);
  } catch {}
}
process.on('disconnect', () => {
  void cleanupRun(workDir, cliTimeouts.stopGraceMs).finally(() => process.exit(0));
});
process.send(readyMessage);

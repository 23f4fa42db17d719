/**
 * The reaper process of one run (see reaper.ts): waits for the CLI's end, then cleans up the run
 * directory given as its argument and exits. Its only input is that argument and its IPC channel.
 */
import { cliTimeouts } from '../model/index.ts';
import { cleanupRun } from './cleanup.ts';
import { readyMessage } from './reaper.ts';

const workDir = process.argv[2];
if (!workDir || !process.send) {
  process.stderr.write('meshproof reaper: started without a run directory or an IPC channel\n');
  process.exit(2);
}
process.title = 'meshproof-reaper';
process.on('disconnect', () => {
  void cleanupRun(workDir, cliTimeouts.stopGraceMs).finally(() => process.exit(0));
});
process.send(readyMessage);

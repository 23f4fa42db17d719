import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidFileName } from '../platforms/local/local-environment.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops every process the run recorded in its work directory and removes the directory. Safe
 * to call more than once and from a signal handler; never throws.
 */
export async function cleanupRun(workDir: string, graceMs = 2_000): Promise<void> {
  let pids: number[] = [];
  try {
    pids = readFileSync(join(workDir, pidFileName), 'utf8')
      .split('\n')
      .map(Number)
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    // No pid file: nothing was started.
  }
  const running = pids.filter(alive);
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Gone in between.
    }
  }
  const deadline = Date.now() + graceMs;
  while (running.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of running.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone in between.
    }
  }
  await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
}

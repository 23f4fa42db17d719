import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { removeClusterLeftovers } from '../platforms/kubernetes/leftovers.ts';
import { pidFileName } from '../platforms/local/local-environment.ts';

/** True while a process runs; a zombie (exited, not yet reaped by its new parent) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc (macOS): kill(0) is all there is.
    return true;
  }
}

/** Every descendant of this process (vitest workers and what they started), via `ps` (Linux, macOS). */
export function descendantPids(root = process.pid): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/**
 * Stops every process the run started, those recorded in its work directory and (when
 * interrupted) every descendant of the CLI, then removes the work directory. Safe to call
 * more than once and from a signal handler; never throws.
 */
export async function cleanupRun(
  workDir: string,
  graceMs = 2_000,
  alsoPids: readonly number[] = [],
): Promise<void> {
  const pids: number[] = [...alsoPids];
  try {
    pids.push(
      ...readFileSync(join(workDir, pidFileName), 'utf8')
        .split('\n')
        .map(Number)
        .filter((pid) => Number.isInteger(pid) && pid > 0),
    );
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
  await removeClusterLeftovers(workDir);
  // A process that was still writing when it was stopped can leave a file behind mid-removal.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await rm(workDir, { recursive: true, force: true });
      return;
    } catch {
      await sleep(100);
    }
  }
}

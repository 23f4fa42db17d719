import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { pidFileName, readProcessRecords } from '../platforms/local/process-records.ts';

/**
 * Ctrl-C in the middle of a chaos timeline, while a server app is paused (SIGSTOP: it would not
 * act on SIGTERM until continued): the run still stops every process it started and removes its
 * work directory.
 */

const main = new URL('./main.ts', import.meta.url).pathname;
const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** Children of a process that are stopped, from /proc (pid, parent and state fields of `stat`). */
function stoppedChildren(parent: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(ppid) === parent && state === 'T' ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.runIf(process.platform === 'linux')('Ctrl-C during a chaos timeline', () => {
  it('stops every process, a paused one too, and removes the work directory', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'meshproof-chaos-interrupt-'));
    roots.push(tmp);
    const child = spawn(
      process.execPath,
      [main, 'run', '--only', 'chaos.workload.replica-hangs', '--output', join(tmp, 'reports')],
      { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'ignore'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const pid = child.pid as number;
    // A generous bound: on a loaded machine the platform can take a minute to start.
    const deadline = Date.now() + 150_000;
    while (stoppedChildren(pid).length === 0 && Date.now() < deadline) await sleep(20);
    expect(stoppedChildren(pid), 'an app was paused').not.toEqual([]);
    const name = readdirSync(tmp).find((entry) => entry.startsWith('meshproof-run-'));
    expect(name).toBeDefined();
    const workDir = join(tmp, name as string);
    const groups = readProcessRecords(join(workDir, pidFileName)).filter((r) => r.kind === 'group');

    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(groups.filter((g) => groupAlive(g.pid))).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  }, 240_000);
});

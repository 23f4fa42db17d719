import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { alive } from '../platforms/local/process-records.ts';
import { startCpuStress } from './cpu-stress.ts';

const stressModule = new URL('./cpu-stress.ts', import.meta.url).pathname;

/** Waits (up to a generous bound) until none of the processes runs. */
async function gone(pids: readonly number[], boundMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (pids.some(alive)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** User plus system CPU time a process has used, in clock ticks (Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('startCpuStress', () => {
  it('keeps CPUs busy until stopped, then nothing of it runs', async () => {
    const stress = await startCpuStress(60_000, 2);
    expect(stress.processes).toBe(2);
    expect(stress.pids.every(alive)).toBe(true);
    if (process.platform === 'linux') {
      const before = stress.pids.map(cpuTicks);
      await sleep(500);
      expect(stress.pids.map(cpuTicks).every((t, i) => t > (before[i] ?? 0))).toBe(true);
    }
    await stress.stop();
    expect(await gone(stress.pids)).toBe(true);
  });

  it('ends by itself at the end of its lifetime', async () => {
    const stress = await startCpuStress(300, 1);
    expect(await gone(stress.pids)).toBe(true);
    await stress.stop();
  });

  it('ends by itself when the process that started it is killed with SIGKILL', async () => {
    const parent = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startCpuStress } = await import(${JSON.stringify(stressModule)});
         const stress = await startCpuStress(60_000, 2);
         console.log(JSON.stringify(stress.pids));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const pids = JSON.parse(line.toString()) as number[];
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(pids)).toBe(true);
  });
});

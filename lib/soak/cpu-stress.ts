import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { soakTimeouts } from '../model/index.ts';

/**
 * One busy loop per process, in plain JavaScript: it spins in slices and between them ends
 * itself once the process that started it is gone (its parent changed) or its lifetime is over,
 * so that not even a SIGKILLed soak leaves it spinning.
 */
const busyLoopSource = `
const parent = Number(process.env.MESHPROOF_STRESS_PARENT);
const until = Date.now() + Number(process.env.MESHPROOF_STRESS_LIFETIME_MS);
const sliceMs = Number(process.env.MESHPROOF_STRESS_POLL_MS);
for (;;) {
  const end = Date.now() + sliceMs;
  while (Date.now() < end) {}
  if (process.ppid !== parent || Date.now() > until) process.exit(0);
}
`;

/** Processes that keep every CPU of this machine busy until stopped. */
export interface CpuStress {
  /** How many busy processes run (one per CPU). */
  readonly processes: number;
  readonly pids: readonly number[];
  /** Kills every stress process at once (safe in a signal handler; idempotent). */
  kill(): void;
  /** Kills them and waits until they are gone. */
  stop(): Promise<void>;
}

/**
 * Starts one busy process per CPU (`availableParallelism()`) at normal priority, as another job
 * on a shared CI runner would be. Each ends by itself after `lifetimeMs` or when this process
 * dies, whichever comes first.
 */
export async function startCpuStress(lifetimeMs: number, count = availableParallelism()): Promise<CpuStress> {
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    for (let i = 0; i < count; i++) {
      const child = spawn(process.execPath, ['-e', busyLoopSource], {
        stdio: 'ignore',
        env: {
          MESHPROOF_STRESS_PARENT: String(process.pid),
          MESHPROOF_STRESS_LIFETIME_MS: String(Math.round(lifetimeMs)),
          MESHPROOF_STRESS_POLL_MS: String(soakTimeouts.stressPollMs),
        },
      });
      children.push(child);
      await once(child, 'spawn');
    }
  } catch (error) {
    kill();
    throw error;
  }
  return {
    processes: children.length,
    pids: children.flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
    kill,
    async stop() {
      const exits = children
        .filter((c) => c.exitCode === null && c.signalCode === null)
        .map((c) => once(c, 'exit'));
      kill();
      await Promise.race([Promise.all(exits), sleep(soakTimeouts.stressStopMs)]);
    },
  };
}

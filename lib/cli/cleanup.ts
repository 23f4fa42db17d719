import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cliTimeouts } from '../model/index.ts';
import { removeClusterLeftovers } from '../platforms/kubernetes/leftovers.ts';
import {
  alive,
  type ProcessRecord,
  pidFileName,
  readProcessRecords,
  startTime,
} from '../platforms/local/process-records.ts';

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a recorded process is still the run's: the same pid with the same start time. A group
 * whose leader is gone may still hold its children: POSIX never hands out the id of a live
 * process group as a new pid, so while no process has that pid, the group is still the run's.
 * A record without a start time is trusted only by the run that wrote it (`trustUnverified`).
 */
function stillOurs(record: ProcessRecord, trustUnverified: boolean): boolean {
  if (record.pid === process.pid) return false;
  const now = startTime(record.pid);
  if (now !== undefined) return record.start === null ? trustUnverified : now === record.start;
  return record.kind === 'group' && groupExists(record.pid);
}

function send(target: { pid: number; group: boolean }, signal: NodeJS.Signals): void {
  try {
    process.kill(target.group ? -target.pid : target.pid, signal);
  } catch {
    // Gone in between.
  }
}

const running = (target: { pid: number; group: boolean }) =>
  target.group ? groupExists(target.pid) : alive(target.pid);

/** SIGTERM, then SIGKILL to whatever still runs after the grace period. */
async function stop(targets: readonly { pid: number; group: boolean }[], graceMs: number): Promise<void> {
  const live = targets.filter(running);
  for (const target of live) send(target, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.some(running) && Date.now() < deadline) await sleep(cliTimeouts.processPollMs);
  for (const target of live.filter(running)) send(target, 'SIGKILL');
}

/**
 * Stops the process groups a run directory records that are still the run's (see
 * {@link stillOurs}): workloads and sidecars with their children. Returns how many were still running.
 */
export async function stopRecordedProcesses(
  workDir: string,
  graceMs: number,
  { trustUnverified }: { readonly trustUnverified: boolean },
): Promise<number> {
  const groups = readProcessRecords(join(workDir, pidFileName))
    .filter((r) => stillOurs(r, trustUnverified))
    .map((r) => ({ pid: r.pid, group: true }));
  await stop(groups, graceMs);
  return groups.length;
}

/**
 * Stops every process the run recorded in its work directory, removes an ephemeral cluster's
 * container, then removes the work directory. Safe to call more than once, from a signal handler
 * and from the reaper; never throws. `trustUnverified: false` (sweeping a stale run) signals only
 * processes whose start time proves they are the run's.
 */
export async function cleanupRun(
  workDir: string,
  graceMs: number = cliTimeouts.stopGraceMs,
  { trustUnverified = true }: { readonly trustUnverified?: boolean } = {},
): Promise<void> {
  await stopRecordedProcesses(workDir, graceMs, { trustUnverified });
  await removeClusterLeftovers(workDir);
  // A process that was still writing when it was stopped can leave a file behind mid-removal.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await rm(workDir, { recursive: true, force: true });
      return;
    } catch {
      await sleep(cliTimeouts.removeRetryMs);
    }
  }
}

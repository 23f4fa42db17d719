import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliTimeouts } from '../model/index.ts';
import {
  canIdentifyProcesses,
  ownedHere,
  pidFileName,
  type RunOwner,
  readOwner,
  readProcessRecords,
  stillRunning,
} from '../platforms/local/process-records.ts';
import { cleanupRun } from './cleanup.ts';

/**
 * Runs whose CLI is gone without cleaning up (killed with SIGKILL, or its reaper killed too). A run
 * directory is stale only when all of this holds: it is in this TMPDIR, named `meshproof-…`,
 * belongs to this user, and records an owner process of this machine that no longer runs (its pid gone, or now
 * another process's, by start time). Anything else, a directory of a live run or one meshproof
 * did not write, is never touched.
 */

/** A run directory whose owner is gone. */
export interface StaleRun {
  readonly dir: string;
  readonly owner: RunOwner;
  /** Processes it records, some of which may still run. */
  readonly recorded: number;
}

export async function findStaleRuns(root = tmpdir()): Promise<StaleRun[]> {
  if (!canIdentifyProcesses()) return [];
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const stale: StaleRun[] = [];
  for (const name of names.filter((n) => n.startsWith('meshproof-')).sort()) {
    const dir = join(root, name);
    const stats = await stat(dir).catch(() => undefined);
    if (!stats?.isDirectory() || (uid !== undefined && stats.uid !== uid)) continue;
    const owner = readOwner(dir);
    if (!owner || !ownedHere(owner) || stillRunning(owner) !== false) continue;
    stale.push({ dir, owner, recorded: readProcessRecords(join(dir, pidFileName)).length });
  }
  return stale;
}

/**
 * Stops what each stale run left running (only processes whose start time proves they are the
 * run's) and removes its directory. Returns the runs removed.
 */
export async function removeStaleRuns(root = tmpdir()): Promise<StaleRun[]> {
  const stale = await findStaleRuns(root);
  for (const run of stale) {
    await cleanupRun(run.dir, cliTimeouts.stopGraceMs, { trustUnverified: false });
  }
  return stale;
}

/** The line a run prints when it swept up after killed runs. */
export function describeRemovedRuns(removed: readonly StaleRun[]): string | undefined {
  if (removed.length === 0) return undefined;
  return `removed ${removed.length} stale run director${removed.length === 1 ? 'y' : 'ies'} of meshproof runs killed before they could clean up: ${removed.map((r) => r.dir).join(', ')}`;
}

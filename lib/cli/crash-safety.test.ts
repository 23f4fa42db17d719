import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { registry } from '../../suites/registry.ts';
import {
  alive,
  identify,
  ownerFileName,
  pidFileName,
  readProcessRecords,
  recordProcess,
} from '../platforms/local/process-records.ts';
import type { ConformanceReport } from '../report/conformance-report.ts';
import { reportSchemaProblems } from '../report/report-schema.ts';

/**
 * Nothing outlives a run, however it ends: Ctrl-C and SIGTERM write an INTERRUPTED report and
 * stop everything; SIGKILL leaves the cleanup to the run's reaper; what a reaper could not do
 * (it was killed too) the next run or `meshproof clean` does, touching nothing else.
 */

const main = new URL('./main.ts', import.meta.url).pathname;
const roots: string[] = [];
const strays: ChildProcess[] = [];
afterAll(() => {
  for (const child of strays) child.kill('SIGKILL');
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-crash-test-'));
  roots.push(dir);
  return dir;
}

const groupExists = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every port of 127.0.0.1 the run's sidecars listen on or forward to (apps and sidecars), read from their configuration. */
function runPorts(workDir: string): number[] {
  const dir = join(workDir, 'reference-mesh');
  const ports = readdirSync(dir)
    .filter((name) => name.endsWith('.cfg'))
    .flatMap((name) =>
      [...readFileSync(join(dir, name), 'utf8').matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])),
    );
  return [...new Set(ports)];
}

/**
 * Whether no socket listens on the port (read in the kernel's table, not by connecting: a
 * listener that rejects every connection, as the unconfigured ingress gateway's does, still
 * holds its port and must still be gone after the run).
 */
const refuses = async (port: number) => {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => '')),
  );
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return !tables
    .flatMap((table) => table.split('\n').slice(1))
    .some((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      return state === '0A' && local?.endsWith(hex);
    });
};

/** Processes whose command line names the run directory (haproxy masters and workers name their configuration). */
function processesNaming(workDir: string): string[] {
  const table = spawnSync('ps', ['-A', '-o', 'pid=,args='], { encoding: 'utf8' }).stdout;
  return table.split('\n').filter((line) => line.includes(workDir));
}

/** Starts `meshproof run` of every check and resolves once the first check finished (every process runs then). */
async function startRun() {
  const tmp = tempRoot();
  const output = join(tmp, 'reports');
  const child = spawn(process.execPath, [main, 'run', '--output', output], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  strays.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  // A generous bound: on a machine loaded by other test runs the platform can take a minute to start.
  const deadline = Date.now() + 150_000;
  while (!/\[\s*1\/\d+\]/.test(stdout) && Date.now() < deadline) await sleep(100);
  expect(stdout, 'the first check finished').toMatch(/\[\s*1\/\d+\]/);
  const name = readdirSync(tmp).find((entry) => entry.startsWith('meshproof-run-'));
  expect(name, stdout).toBeDefined();
  const workDir = join(tmp, name as string);
  const records = readProcessRecords(join(workDir, pidFileName));
  return { child, exited, tmp, output, workDir, records, ports: runPorts(workDir), stdout: () => stdout };
}

describe('Ctrl-C and SIGTERM', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops every process, removes the work directory, and writes an INTERRUPTED report without moving latest',
    async (signal) => {
      const run = await startRun();
      const groups = run.records.filter((r) => r.kind === 'group');
      expect(groups.length).toBeGreaterThanOrEqual(8);
      // The work directory and the keys in it are this user's only.
      expect(statSync(run.workDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(run.workDir, 'reference-mesh')).mode & 0o777).toBe(0o700);
      expect(statSync(join(run.workDir, 'reference-mesh', 'client.pem')).mode & 0o777).toBe(0o600);

      run.child.kill(signal);
      expect(await run.exited).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(groups.filter((g) => groupExists(g.pid))).toEqual([]);
      expect(existsSync(run.workDir)).toBe(false);
      expect(processesNaming(run.workDir)).toEqual([]);

      const entries = readdirSync(run.output);
      expect(entries).not.toContain('latest');
      expect(entries).toHaveLength(1);
      const folder = join(run.output, entries[0] as string);
      const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as ConformanceReport;
      expect(reportSchemaProblems(report)).toEqual([]);
      expect(report.verdict).toBe('INTERRUPTED');
      expect(report.interruption).toMatchObject({ signal, selected: registry.length });
      const completed = report.interruption?.completed ?? 0;
      expect(completed).toBeGreaterThanOrEqual(1);
      expect(completed).toBeLessThan(registry.length);
      expect(
        report.checks.filter((c) => c.reason === `not run: the run was interrupted by ${signal}`),
      ).toHaveLength(registry.length - completed);
      expect(readFileSync(join(folder, 'summary.md'), 'utf8')).toMatch(/^## ⏹️ meshproof INTERRUPTED/);
      expect(readFileSync(join(folder, 'summary.md'), 'utf8')).toContain(
        `Interrupted by ${signal} after ${completed} of ${registry.length} checks`,
      );
      expect(readFileSync(join(folder, 'junit.xml'), 'utf8')).toMatch(
        /<error message="INTERRUPTED by .*" type="INTERRUPTED"\/>/,
      );
      expect(readFileSync(join(folder, 'report.html'), 'utf8')).toContain('data-verdict="INTERRUPTED"');
      expect(run.stdout()).toMatch(
        new RegExp(`INTERRUPTED by ${signal} after ${completed} of ${registry.length} checks`),
      );
    },
    240_000,
  );
});

describe('SIGKILL', () => {
  it('leaves no process, listening port, temporary folder or run folder within seconds: the reaper cleans up', async () => {
    const run = await startRun();
    expect(run.ports.length).toBeGreaterThanOrEqual(8);
    for (const port of run.ports)
      expect(await refuses(port), `port ${port} listens during the run`).toBe(false);
    run.child.kill('SIGKILL');
    await run.exited;
    const groups = run.records.filter((r) => r.kind === 'group');
    const left = async () => ({
      groups: groups.filter((g) => groupExists(g.pid)).map((g) => g.name),
      processes: processesNaming(run.workDir),
      ports: (await Promise.all(run.ports.map(async (port) => ((await refuses(port)) ? [] : [port])))).flat(),
      tmp: readdirSync(run.tmp).filter((name) => name.startsWith('meshproof-')),
      runFolders: existsSync(run.output) ? readdirSync(run.output) : [],
    });
    const nothing = { groups: [], processes: [], ports: [], tmp: [], runFolders: [] };
    // The reaper acts at once; the bound only spares a loaded machine a false failure.
    const deadline = Date.now() + 20_000;
    let found = await left();
    while (JSON.stringify(found) !== JSON.stringify(nothing) && Date.now() < deadline) {
      await sleep(200);
      found = await left();
    }
    expect(found).toEqual(nothing);
  }, 240_000);
});

describe('meshproof clean', () => {
  /** A process of its own group, as a run's workload is. */
  function liveProcess(): number {
    const child = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
    strays.push(child);
    return child.pid as number;
  }
  /** A pid that no longer runs: a process that has exited. */
  function deadPid(): number {
    return spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
  }
  function runDirectory(
    root: string,
    name: string,
    owner?: { pid: number; start: string | null; host: string },
  ) {
    const dir = join(root, name);
    mkdirSync(dir, { mode: 0o700 });
    if (owner) writeFileSync(join(dir, ownerFileName), JSON.stringify(owner));
    return dir;
  }
  // A stopped child of this test stays a zombie until this test's event loop reaps it: not running.
  const running = alive;

  it('stops and removes only runs whose meshproof is gone, and only the processes that are provably theirs', () => {
    const tmp = tempRoot();
    const dead = { pid: Number(deadPid()), start: 'ticks:1', host: hostname() };
    // A killed run: its owner is gone, one of its workloads still runs.
    const stale = runDirectory(tmp, 'meshproof-run-stale', dead);
    const orphan = liveProcess();
    recordProcess(join(stale, pidFileName), { ...identify(orphan), kind: 'group', name: 'server-v1' });
    // A killed run whose recorded pid now belongs to another program (another start time): not signalled.
    const reused = runDirectory(tmp, 'meshproof-run-reused', dead);
    const stranger = liveProcess();
    recordProcess(join(reused, pidFileName), {
      pid: stranger,
      start: 'ticks:1',
      kind: 'group',
      name: 'server-v2',
    });
    // A live run (its owner is this test) and folders meshproof did not write.
    const live = runDirectory(tmp, 'meshproof-run-live', { ...identify(process.pid), host: hostname() });
    // A run of another machine sharing this TMPDIR: its pid means nothing here.
    const elsewhere = runDirectory(tmp, 'meshproof-run-elsewhere', { ...dead, host: `not-${hostname()}` });
    const liveChild = liveProcess();
    recordProcess(join(live, pidFileName), { ...identify(liveChild), kind: 'group', name: 'server-v3' });
    const foreign = runDirectory(tmp, 'meshproof-run-foreign');
    const other = runDirectory(tmp, 'other-tool-run', dead);

    const env = { ...process.env, TMPDIR: tmp };
    const dry = spawnSync(process.execPath, [main, 'clean', '--dry-run'], { encoding: 'utf8', env });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`would remove ${stale}`);
    expect(dry.stdout).toContain(`would remove ${reused}`);
    expect(dry.stdout).not.toContain(live);
    expect(existsSync(stale) && running(orphan)).toBe(true);

    const clean = spawnSync(process.execPath, [main, 'clean'], { encoding: 'utf8', env });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`removed ${stale}`);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(reused)).toBe(false);
    expect(running(orphan)).toBe(false);
    expect(running(stranger)).toBe(true);
    for (const kept of [live, elsewhere, foreign, other]) expect(existsSync(kept)).toBe(true);
    expect(running(liveChild)).toBe(true);

    const again = spawnSync(process.execPath, [main, 'clean'], { encoding: 'utf8', env });
    expect(again.stdout).toContain(`no stale meshproof runs in ${tmp}`);
  }, 180_000);
});

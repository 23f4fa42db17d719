import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { alive } from '../platforms/local/process-records.ts';
import type { SoakReport } from '../soak/soak-report.ts';
import { parseSoakRuns } from './soak-command.ts';

const main = new URL('./main.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'meshproof-soak-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const check = 'security.mtls.identity-presented';

function directories() {
  return { output: mkdtempSync(join(root, 'reports-')), temp: mkdtempSync(join(root, 'tmp-')) };
}

const stressPids = (stdout: string): number[] =>
  (/pids ([\d, ]+);/.exec(stdout)?.[1] ?? '').split(', ').filter(Boolean).map(Number);

function soakReport(output: string): SoakReport {
  const [soakId] = readdirSync(join(output, 'soak'));
  return JSON.parse(readFileSync(join(output, 'soak', soakId ?? '', 'soak.json'), 'utf8')) as SoakReport;
}

describe('meshproof soak', () => {
  it('runs the suite N times under stress, counts per check, and leaves nothing running', () => {
    const { output, temp } = directories();
    const run = spawnSync(
      process.execPath,
      [main, 'soak', '--runs', '2', '--stress', '--only', check, '--output', output],
      { encoding: 'utf8', env: { ...process.env, TMPDIR: temp }, timeout: 180_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/run 1\/2 +no false failures · [\d.]+ s · load average/);
    expect(run.stdout).toMatch(/PASSED: no false failure in 2 run\(s\) under stress/);
    const report = soakReport(output);
    expect(report).toMatchObject({
      complete: true,
      runsRequested: 2,
      stress: { processes: availableParallelism() },
      falseFailures: 0,
      passed: true,
    });
    expect(report.checks.find((c) => c.id === check)).toMatchObject({
      counts: { PASSED: 2 },
      failedRuns: [],
    });
    expect(report.runs.map((r) => r.folder)).toEqual(['run-1', 'run-2']);
    for (const r of report.runs) {
      expect(r.wallMs).toBeGreaterThan(0);
      expect(r.load.cpuBusy).toBeGreaterThan(0);
      expect(existsSync(join(output, 'soak', report.soakId, r.folder, 'report.json'))).toBe(true);
    }
    expect(existsSync(join(output, 'latest-soak', 'soak.md'))).toBe(true);
    const pids = stressPids(run.stdout);
    expect(pids).toHaveLength(availableParallelism());
    expect(pids.filter(alive)).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
  }, 300_000);

  it('stops its stress processes and the run on Ctrl-C, keeping what it measured', async () => {
    const { output, temp } = directories();
    const child = spawn(
      process.execPath,
      [main, 'soak', '--runs', '3', '--stress', '--only', check, '--output', output],
      { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once the first run has started processes (its work directory lists their pids).
    let runPids: number[] = [];
    const deadline = Date.now() + 120_000;
    while (runPids.length < 3 && Date.now() < deadline) {
      await sleep(100);
      runPids = readdirSync(temp)
        .filter((d) => d.startsWith('meshproof-run-'))
        .flatMap((d) => {
          const file = join(temp, d, 'pids');
          return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
        });
    }
    expect(runPids.length).toBeGreaterThanOrEqual(3);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const pids = stressPids(stdout);
    expect(pids).toHaveLength(availableParallelism());
    expect([...pids, ...runPids].filter(alive)).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
    expect(soakReport(output)).toMatchObject({ complete: false, runs: [] });
  }, 180_000);

  it('refuses a bad --runs with one coded line, writing nothing', () => {
    const { output, temp } = directories();
    const run = spawnSync(process.execPath, [main, 'soak', '--runs', '0x10', '--output', output], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: temp },
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^MESHPROOF_BAD_FLAG: --runs must be a whole number from 1 to 1000[^\n]*$/,
    );
    expect(readdirSync(output)).toEqual([]);
  });
});

describe('parseSoakRuns', () => {
  it('defaults to 20 and takes whole numbers from 1 to 1000', () => {
    expect(parseSoakRuns(undefined)).toBe(20);
    expect(parseSoakRuns('3')).toBe(3);
    expect(parseSoakRuns('1000')).toBe(1000);
  });

  it.each([['0'], ['1.5'], ['twenty'], ['0x10'], ['1e3'], ['-2'], [''], ['1001']])('refuses "%s"', (text) => {
    expect(() => parseSoakRuns(text)).toThrow(expect.objectContaining({ code: 'MESHPROOF_BAD_FLAG' }));
  });
});

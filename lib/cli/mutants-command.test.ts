import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { MutantsReport } from '../mutants/mutants-report.ts';
import { alive } from '../platforms/local/process-records.ts';

const main = new URL('./main.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'meshproof-mutants-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `meshproof mutants` with its own output and temporary directories. */
function mutants(args: readonly string[]) {
  const output = mkdtempSync(join(root, 'reports-'));
  const temp = mkdtempSync(join(root, 'tmp-'));
  const result = spawnSync(process.execPath, [main, 'mutants', ...args, '--output', output], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: temp },
    timeout: 170_000,
  });
  return { ...result, output, temp };
}

describe('meshproof mutants', () => {
  it('runs under each defect only the checks whose configuration it changes, and says so', () => {
    const run = mutants([
      '--only',
      'security.mtls.strict-rejects-plaintext,security.mtls.identity-presented',
    ]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(run.output, 'mutants.json'), 'utf8')) as MutantsReport;
    // Only the defects with a target among the selected checks are exercised.
    expect(report.defects.map((d) => d.name)).toEqual(['mtls-permissive', 'identity-dropped']);
    const mtls = report.defects[0];
    expect(mtls).toMatchObject({
      caught: true,
      everyCheck: null,
      failedChecks: ['security.mtls.strict-rejects-plaintext'],
      ran: [{ id: 'security.mtls.strict-rejects-plaintext' }],
      skipped: [
        {
          id: 'security.mtls.identity-presented',
          because: 'renders the same configuration as the conformant mesh',
        },
      ],
    });
    expect(mtls?.ran[0]?.because).toMatch(/^renders differently: sidecar\/server-v1/);
    // A defect that changes the baseline configuration can change every check's verdict: the
    // one it names runs, the other is listed as not named (--thorough runs it).
    expect(report.defects[1]).toMatchObject({
      caught: true,
      skipped: [],
      ran: [{ id: 'security.mtls.identity-presented' }],
      notNamed: [
        {
          id: 'security.mtls.strict-rejects-plaintext',
          because: 'not run: not named by the defect (would run with --thorough)',
        },
      ],
    });
    expect(report.defects[1]?.everyCheck).toMatch(/^the baseline configuration differs/);
    expect(report).toMatchObject({
      passed: true,
      mode: 'targets',
      score: 1,
      conformantFailures: 0,
      checkRuns: { ran: 2, skipped: 1, notNamed: 1 },
    });
    expect(run.stdout).toMatch(/mtls-permissive\s+caught\s+1\/2 ran/);
    // Each run keeps its report, skipped checks with the reason.
    const skipped = JSON.parse(
      readFileSync(join(run.output, 'mutants', 'mtls-permissive', 'report.json'), 'utf8'),
    ).checks.find((c: { id: string }) => c.id === 'security.mtls.identity-presented');
    expect(skipped).toMatchObject({
      status: 'SKIPPED',
      reason: 'renders the same configuration as the conformant mesh',
    });
    // Nothing is left behind in the temporary directory.
    expect(readdirSync(run.temp)).toEqual([]);
  }, 180_000);

  it('stops every process it started on Ctrl-C and removes its files', async () => {
    const output = mkdtempSync(join(root, 'reports-'));
    const temp = mkdtempSync(join(root, 'tmp-'));
    const child = spawn(process.execPath, [main, 'mutants', '--only', 'security.mtls', '--output', output], {
      env: { ...process.env, TMPDIR: temp },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once an installation's processes run (its directory lists their pids).
    let pids: number[] = [];
    const deadline = Date.now() + 60_000;
    while (pids.length < 6 && Date.now() < deadline) {
      await sleep(100);
      pids = readdirSync(temp).flatMap((work) =>
        readdirSync(join(temp, work)).flatMap((run) => {
          const file = join(temp, work, run, 'pids');
          return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
        }),
      );
    }
    expect(pids.length).toBeGreaterThanOrEqual(6);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(pids.filter(alive)).toEqual([]);
    expect(readdirSync(temp)).toEqual([]);
  }, 120_000);

  it('refuses a pattern that matches no check with one coded line, before starting anything', () => {
    const run = mutants(['--only', 'security.nothing']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^MESHPROOF_NO_MATCHING_CHECK: [^\n]+$/);
    expect(readdirSync(run.output)).toEqual([]);
    expect(readdirSync(run.temp)).toEqual([]);
  });

  it.each([['0'], ['5'], ['2.5'], ['']])(
    'refuses --lanes %j with one coded line, before starting anything',
    (lanes) => {
      const run = mutants(['--only', 'security.mtls', '--lanes', lanes]);
      expect(run.status).toBe(2);
      expect(run.stderr.trim()).toMatch(
        /^MESHPROOF_BAD_FLAG: --lanes must be a whole number from 1 to 4[^\n]*$/,
      );
      expect(readdirSync(run.output)).toEqual([]);
      expect(readdirSync(run.temp)).toEqual([]);
    },
  );
});

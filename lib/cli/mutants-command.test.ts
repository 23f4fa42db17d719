import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MutantsReport } from '../mutants/mutants-report.ts';

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
    timeout: 120_000,
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
    // A defect that changes the baseline configuration runs every check.
    expect(report.defects[1]).toMatchObject({ caught: true, skipped: [] });
    expect(report.defects[1]?.everyCheck).toMatch(/^the baseline configuration differs/);
    expect(report).toMatchObject({ passed: true, score: 1, conformantFailures: 0 });
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
  });

  it('refuses a pattern that matches no check with one coded line, before starting anything', () => {
    const run = mutants(['--only', 'security.nothing']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toMatch(/^MESHPROOF_NO_MATCHING_CHECK: [^\n]+$/);
    expect(readdirSync(run.output)).toEqual([]);
    expect(readdirSync(run.temp)).toEqual([]);
  });
});

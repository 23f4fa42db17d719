import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureBenchReport, movedFixtureBenchReport } from '../../test/bench/bench-fixtures.ts';
import {
  type ActionRun,
  type CompositeAction,
  parseKeyValueFile,
  readCompositeAction,
  runCompositeAction,
  type StepRecord,
  workflowCommands,
} from '../../test/ci/composite-action-runner.ts';
import {
  failingFixtureReport,
  passingFixtureReport,
  withStatuses,
} from '../../test/report/report-fixtures.ts';

/**
 * The action's shell steps, run here as the Actions runner runs them: end to end against the
 * reference mesh (what only Docker can do, k3s, is the one thing left untried), and the gate step
 * on fixture reports for the outcomes a conformant mesh does not produce.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const action: CompositeAction = readCompositeAction(join(root, 'action.yml'));
const temp = mkdtempSync(join(tmpdir(), 'meshproof-action-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** The machine's PATH without any gh, so no test can reach GitHub; Node 24 first, as setup-node leaves it. */
const basePath = [
  dirname(process.execPath),
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
]
  .filter((dir, i, all) => all.indexOf(dir) === i)
  .join(':');

function jobEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: basePath,
    HOME: process.env.HOME ?? temp,
    GITHUB_REPOSITORY: 'example/platform',
    GITHUB_REF_NAME: 'main',
    GITHUB_SERVER_URL: 'https://github.com',
    ...extra,
  };
}

function step(run: ActionRun, id: string): StepRecord {
  const found = run.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

function annotations(run: ActionRun) {
  return run.steps
    .flatMap((s) => s.commands)
    .filter((c) => ['error', 'warning', 'notice'].includes(c.command));
}

function explain(run: ActionRun): string {
  return run.steps
    .map(
      (s) =>
        `--- ${s.name}: ${s.outcome} ${s.exitCode ?? ''}\n${s.stdout.slice(-3000)}\n${s.stderr.slice(-3000)}`,
    )
    .join('\n');
}

describe('the action on the reference mesh, as the runner runs it', () => {
  const workspace = join(temp, 'workspace');
  const runnerTemp = join(temp, 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  let first: ActionRun;

  /** The action on the reference mesh, one quick check; the benchmark is tried below with a stand-in make. */
  function runOnReference(inputs: Record<string, string> = {}) {
    return runCompositeAction(action, {
      actionPath: root,
      workspace,
      runnerTemp,
      inputs: {
        mesh: 'reference',
        only: 'security.mtls.strict-rejects-plaintext',
        'artifact-name': 'meshproof-reference-test',
        ...inputs,
      },
      env: jobEnv(),
      stepTimeoutMs: 300_000,
    });
  }

  it('runs the checks, annotates, summarises, and has the reports uploaded; no baseline without gh', async () => {
    first = await runOnReference();
    expect(first.conclusion, explain(first)).toBe('success');
    expect(first.outputs.verdict).toBe('PASSED');
    expect(first.outputs.regression).toBe('NO_BASELINE');
    const report = JSON.parse(readFileSync(first.outputs.report ?? '', 'utf8'));
    expect(report).toMatchObject({
      kind: 'ConformanceReport',
      mesh: { name: 'reference' },
      platform: 'local',
    });
    expect(first.outputs.report).toMatch(new RegExp(`^${workspace}/meshproof-reports/[^/]+/report\\.json$`));

    const notices = annotations(first);
    expect(notices.map((a) => `${a.command}: ${a.data}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning: the GitHub CLI \(gh\) is not on this runner/),
      ]),
    );
    expect(notices.at(-1)).toMatchObject({ command: 'notice' });
    expect(notices.at(-1)?.properties.title).toMatch(/^meshproof PASSED · reference haproxy/);
    // Workflow commands are off while meshproof and make print (their output holds the mesh's words).
    expect(step(first, 'run').stdout).toMatch(/::stop-commands::[0-9a-f]{32}\n[\s\S]*::[0-9a-f]{32}::/);

    expect(first.summary).toContain('meshproof PASSED');
    expect(first.summary).toContain(
      readFileSync(join(dirname(first.outputs.report ?? ''), 'summary.md'), 'utf8'),
    );

    const upload = first.steps.find((s) => s.name.startsWith('Upload the reports'));
    expect(upload?.outcome).toBe('not-run-here');
    expect(upload?.with?.name).toBe('meshproof-reference-test');
    const paths = (upload?.with?.path ?? '').split('\n').filter((p) => p.trim().length > 0);
    expect(paths).toEqual([
      dirname(first.outputs.report ?? ''),
      join(workspace, 'meshproof-reports', 'console.log'),
    ]);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    expect(readFileSync(paths[1] ?? '', 'utf8')).toContain('PASSED: 1 passed');
    // A run of some checks only never becomes the baseline.
    expect(first.steps.find((s) => s.name.startsWith('Upload this run as the next baseline'))?.outcome).toBe(
      'skipped',
    );
  }, 600_000);

  it('a second run compared with the first (baseline input) has no regression and passes the gate', async () => {
    const second = await runOnReference({ baseline: first.outputs.report ?? '' });
    expect(second.conclusion, explain(second)).toBe('success');
    expect(second.outputs.regression).toBe('NO_REGRESSION');
    expect(second.outputs.report).not.toBe(first.outputs.report);
    expect(existsSync(join(dirname(second.outputs.report ?? ''), 'diff.md'))).toBe(true);
    expect(second.summary).toContain('## Against the baseline');
    expect(annotations(second).at(-1)?.data).toContain('no regression against');
  }, 600_000);

  it('bad inputs fail the first step with one coded annotation, and nothing runs after it but the upload', async () => {
    for (const [inputs, code] of [
      [{ mesh: 'consul' }, 'MESHPROOF_UNKNOWN_MESH'],
      [{ mesh: 'istio', platform: 'kubeconfig' }, 'MESHPROOF_BAD_FLAG'],
      [{ mesh: 'istio', 'fail-on-regression': 'yes' }, 'MESHPROOF_BAD_FLAG'],
      [{ mesh: 'istio', 'artifact-name': 'a/b' }, 'MESHPROOF_BAD_FLAG'],
    ] as const) {
      const run = await runCompositeAction(action, {
        actionPath: root,
        workspace: join(temp, 'bad-input'),
        runnerTemp,
        inputs,
        env: jobEnv(),
        stepTimeoutMs: 300_000,
      });
      expect(run.conclusion).toBe('failure');
      expect(step(run, 'prepare').exitCode).toBe(2);
      const errors = annotations(run).filter((a) => a.command === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]?.data).toMatch(new RegExp(`^${code}: `));
      expect(run.steps.filter((s) => s.outcome !== 'skipped').map((s) => s.id ?? s.name)).toEqual(
        expect.arrayContaining(['prepare']),
      );
      expect(step(run, 'run').outcome).toBe('skipped');
    }
  }, 600_000);
});

/**
 * make as the run step calls it, standing in for the real targets where they would load the
 * machine (the local benchmark saturates both cores for seconds while `make test` runs): it logs
 * its arguments and writes the run folders and links the real targets write.
 */
function standInMake(dir: string, bench: 'passed' | 'self-check failed' | 'cannot run'): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(
    join(dir, 'bin', 'make'),
    `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"${dir}/make-calls"
output=$(printf '%s\\n' "$@" | sed -n 's/^OUTPUT=//p')
id="run-$(date +%s%N)"
case " $* " in
  *" bench "*)
    ${bench === 'cannot run' ? 'echo "MESHPROOF_NO_CONTAINER_RUNTIME: no Docker here"; exit 2' : ''}
    mkdir -p "$output/bench/$id"
    echo '{"passed": ${bench === 'passed'}}' >"$output/bench/$id/bench.json"
    ln -sfn "bench/$id" "$output/latest-bench" ;;
  *" conformance "*)
    mkdir -p "$output/$id"
    echo '{"verdict": "PASSED"}' >"$output/$id/report.json"
    ln -sfn "$id" "$output/latest" ;;
esac
`,
  );
  chmodSync(join(dir, 'bin', 'make'), 0o755);
  return join(dir, 'bin');
}

// Each of these tests starts a few node processes (meshproof diff, bench diff) one after the
// other: on a loaded runner that alone can take minutes, which says nothing about the action.
describe("the run step's benchmark branch (with a stand-in make)", { timeout: 600_000 }, () => {
  function runStep(bench: 'passed' | 'self-check failed' | 'cannot run') {
    const dir = mkdtempSync(join(temp, 'stand-in-make-'));
    const output = join(dir, 'reports');
    const result = runStepScript('.github/action/run.sh', {
      PATH: `${standInMake(dir, bench)}:${basePath}`,
      MESH: 'istio',
      PLATFORM: 'k3s',
      OUTPUT_DIR: output,
      INPUT_CONTEXT: '',
      INPUT_ONLY: 'security.mtls',
      INPUT_BENCH: 'true',
      INPUT_BENCH_FLAGS: '--rates 100,500',
    });
    const calls = existsSync(join(dir, 'make-calls')) ? readFileSync(join(dir, 'make-calls'), 'utf8') : '';
    return { ...result, calls: calls.trimEnd().split('\n'), output };
  }

  it('runs make bench, then make conformance showing that benchmark, with every variable set', () => {
    const run = runStep('passed');
    expect(run.status, run.stderr).toBe(0);
    expect(run.outputs.bench).toMatch(new RegExp(`^${run.output}/bench/run-\\d+$`));
    const common = `MESH=istio PLATFORM=k3s CONTEXT= OUTPUT=${run.output} DEFECT= BENCH=`;
    expect(run.calls).toEqual([
      `--no-print-directory -C ${root} bench ${common} BENCH_FLAGS=--rates 100,500`,
      `--no-print-directory -C ${root} conformance ${common} ONLY=security.mtls BENCH=${run.outputs.bench}`,
    ]);
    expect(run.outputs).toMatchObject({ verdict: 'PASSED', report: `${run.outputs['run-dir']}/report.json` });
    expect(run.commands.filter((c) => c.command === 'warning')).toEqual([]);
  });

  it('a failed self-check of the benchmark is a warning, and the run goes on', () => {
    const run = runStep('self-check failed');
    expect(run.status, run.stderr).toBe(0);
    expect(run.commands.find((c) => c.command === 'warning')?.data).toMatch(
      /^a self-check of the benchmark failed/,
    );
    expect(run.calls).toHaveLength(2);
  });

  it('a benchmark that cannot run fails the step with its coded line, before the conformance run', () => {
    const run = runStep('cannot run');
    expect(run.status).toBe(2);
    const errors = run.commands.filter((c) => c.command === 'error');
    expect(errors.map((e) => e.data)).toEqual([
      'MESHPROOF_NO_CONTAINER_RUNTIME: make bench could not run (exit 2): no Docker here',
    ]);
    expect(run.calls).toHaveLength(1);
  });
});

/** Runs one bash step of the action with GITHUB_* files, as the emulator does for a whole run. */
function runStepScript(script: string, env: Record<string, string>) {
  const files = mkdtempSync(join(temp, 'step-'));
  const paths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary'),
  };
  for (const file of Object.values(paths)) writeFileSync(file, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', join(root, script)], {
    cwd: files,
    encoding: 'utf8',
    env: { ...jobEnv(), RUNNER_TEMP: files, ACTION_PATH: root, ...paths, ...env },
    timeout: 600_000,
  });
  return {
    ...result,
    outputs: parseKeyValueFile(readFileSync(paths.GITHUB_OUTPUT, 'utf8')),
    summary: readFileSync(paths.GITHUB_STEP_SUMMARY, 'utf8'),
    commands: workflowCommands(result.stdout),
  };
}

/** A run folder with report.json and summary.md, as meshproof writes them. */
function runFolder(name: string, report: object): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report));
  writeFileSync(join(dir, 'summary.md'), `## summary of ${name}\n`);
  return dir;
}

function gateEnv(candidate: string, verdict: string, extra: Record<string, string> = {}) {
  return {
    REPORT: join(candidate, 'report.json'),
    RUN_DIR: candidate,
    VERDICT: verdict,
    BENCH_DIR: '',
    ARTIFACT_NAME: 'meshproof-istio-pinned',
    INPUT_ONLY: '',
    INPUT_BASELINE: '',
    INPUT_FAIL_ON_REGRESSION: 'true',
    GH_TOKEN: 'fake',
    ...extra,
  };
}

describe('the gate step', { timeout: 600_000 }, () => {
  const base = withStatuses(passingFixtureReport(), {}, { runId: '20261120-021700-reference-base' });

  it('a regression against the baseline fails the gate; the last step fails the job saying why', () => {
    const candidate = runFolder('regressed', failingFixtureReport());
    const baselineDir = runFolder('regressed-base', base);
    const gate = runStepScript(
      '.github/action/gate.sh',
      gateEnv(candidate, 'FAILED', { INPUT_BASELINE: join(baselineDir, 'report.json') }),
    );
    expect(gate.status, gate.stderr).toBe(0);
    expect(gate.outputs).toMatchObject({ regression: 'REGRESSED', gate: 'failed', 'new-baseline': '' });
    const errors = gate.commands.filter((c) => c.command === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]?.properties.title).toContain('(regression)');
    expect(gate.summary).toContain('## summary of regressed');
    expect(gate.summary).toContain('## Against the baseline');
    expect(readFileSync(join(candidate, 'diff.md'), 'utf8')).toContain('regress');

    const finish = runStepScript('.github/action/finish.sh', {
      GATE: 'failed',
      REGRESSION: 'REGRESSED',
      VERDICT: 'FAILED',
      BASELINE_RUN: '4242',
      ARTIFACT_NAME: 'meshproof-istio-pinned',
    });
    expect(finish.status).toBe(1);
    expect(finish.commands).toHaveLength(1);
    expect(finish.commands[0]?.data).toMatch(/^a check that passed in the baseline \(run 4242\) failed/);
  });

  it('without a baseline a failed run fails the gate, unless fail-on-regression is false (then it is the next baseline)', () => {
    const candidate = runFolder('failed-first-night', failingFixtureReport());
    const strict = runStepScript('.github/action/gate.sh', gateEnv(candidate, 'FAILED'));
    expect(strict.outputs).toMatchObject({ regression: 'NO_BASELINE', gate: 'failed', 'new-baseline': '' });
    const accepting = runStepScript(
      '.github/action/gate.sh',
      gateEnv(candidate, 'FAILED', { INPUT_FAIL_ON_REGRESSION: 'false' }),
    );
    expect(accepting.outputs.gate).toBe('passed');
    expect(readFileSync(join(accepting.outputs['new-baseline'] ?? '', 'report.json'), 'utf8')).toBe(
      readFileSync(join(candidate, 'report.json'), 'utf8'),
    );
    const finish = runStepScript('.github/action/finish.sh', { GATE: 'passed' });
    expect(finish.status).toBe(0);
  });

  it('an unreadable baseline is a warning, and the run is judged as without one', () => {
    const candidate = runFolder('after-bad-baseline', passingFixtureReport());
    const bogus = join(temp, 'bogus.json');
    writeFileSync(bogus, '{"kind": "something else"}');
    const gate = runStepScript(
      '.github/action/gate.sh',
      gateEnv(candidate, 'PASSED', { INPUT_BASELINE: bogus }),
    );
    expect(gate.outputs).toMatchObject({ regression: 'NO_BASELINE', gate: 'passed' });
    expect(gate.commands.find((c) => c.command === 'warning')?.properties.title).toBe(
      'meshproof: baseline unusable',
    );
  });

  it('finds the newest unexpired baseline artifact of its cell on its branch with gh, and compares the benchmark too', () => {
    // gh as the runner has it, reduced to what the step asks: `gh api … --jq` (jq applies the
    // step's own filter to a canned listing) and `gh run download ID --name N --dir D`.
    const jq = spawnSync('jq', ['--version']);
    expect(jq.status, 'jq is needed for this test: make ci-tools installs it').toBe(0);
    const fake = join(temp, 'fake-gh');
    mkdirSync(join(fake, 'runs', '777'), { recursive: true });
    mkdirSync(join(fake, 'bin'), { recursive: true });
    writeFileSync(join(fake, 'runs', '777', 'report.json'), JSON.stringify(base));
    writeFileSync(join(fake, 'runs', '777', 'bench.json'), JSON.stringify(fixtureBenchReport()));
    const artifact = (id: number, run: number, branch: string, created: string, expired = false) => ({
      id,
      name: 'meshproof-istio-pinned-baseline',
      expired,
      created_at: created,
      workflow_run: { id: run, head_branch: branch },
    });
    writeFileSync(
      join(fake, 'artifacts.json'),
      JSON.stringify({
        total_count: 4,
        artifacts: [
          artifact(1, 555, 'main', '2026-11-18T02:40:00Z'),
          artifact(2, 777, 'main', '2026-11-20T02:40:00Z'),
          artifact(3, 888, 'feature', '2026-11-21T02:40:00Z'),
          artifact(4, 999, 'main', '2026-11-21T02:40:00Z', true),
        ],
      }),
    );
    writeFileSync(
      join(fake, 'bin', 'gh'),
      `#!/usr/bin/env bash
set -euo pipefail
echo "gh $*" >>"${fake}/calls"
case "$1" in
  api) [ "$3" = --jq ] && jq -r "$4" "${fake}/artifacts.json" ;;
  run) [ "$2" = download ] && [ "$4" = --name ] && [ "$6" = --dir ] && mkdir -p "$7" && cp "${fake}/runs/$3/"* "$7/" ;;
  *) exit 1 ;;
esac
`,
    );
    chmodSync(join(fake, 'bin', 'gh'), 0o755);
    const candidate = runFolder('nightly', failingFixtureReport());
    const benchDir = join(temp, 'nightly-bench');
    mkdirSync(benchDir, { recursive: true });
    writeFileSync(join(benchDir, 'bench.json'), JSON.stringify(movedFixtureBenchReport(100, 'meshed', 1.5)));
    writeFileSync(join(benchDir, 'bench.md'), '## bench of tonight\n');
    const gate = runStepScript(
      '.github/action/gate.sh',
      gateEnv(candidate, 'FAILED', { BENCH_DIR: benchDir, PATH: `${join(fake, 'bin')}:${basePath}` }),
    );
    expect(gate.status, gate.stderr).toBe(0);
    expect(gate.outputs).toMatchObject({ regression: 'REGRESSED', 'baseline-run': '777', gate: 'failed' });
    expect(readFileSync(join(fake, 'calls'), 'utf8')).toContain(
      'gh api repos/example/platform/actions/artifacts?name=meshproof-istio-pinned-baseline&per_page=100',
    );
    expect(gate.summary).toContain('## Against the baseline (run 777)');
    expect(gate.summary).toContain('## bench of tonight');
    expect(gate.summary).toContain('## Benchmark against the baseline (not gating)');
    expect(existsSync(join(benchDir, 'diff.md'))).toBe(true);
  });
});

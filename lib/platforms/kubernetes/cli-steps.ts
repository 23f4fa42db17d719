import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $, quote } from 'zx';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits } from '../../model/index.ts';

/**
 * One command-line step against a cluster (istioctl, linkerd, kubectl): what plan mode writes
 * to commands.sh and what a live run executes, from the same value.
 */
export interface CliStep {
  /** What the step is for, written as a comment in commands.sh and in progress output. */
  readonly title: string;
  readonly argv: readonly string[];
  /** Pipes the output into a second command, e.g. `linkerd install --crds | kubectl apply -f -`. */
  readonly pipeInto?: readonly string[];
  /** Exit codes other than 0 that still count as success (e.g. a diagnostic that reports problems). */
  readonly tolerateFailure?: boolean;
  /** Writes the output to this file of the run's work directory (e.g. a mesh's manifests). */
  readonly stdoutFile?: string;
  /** Runs only when this file of the work directory is not empty (e.g. what `linkerd prune` found). */
  readonly onlyIfNonEmpty?: string;
  /** Longest the step may take; the default is the workload start timeout. */
  readonly timeoutMs?: number;
}

/**
 * The step as one shell line (pure). Every argument is quoted by zx's `quote` (ANSI-C `$'…'`
 * quoting for anything but plain words), so no value can end a word, start a command or expand.
 */
export function shellLine(step: CliStep): string {
  const words = (argv: readonly string[]) => argv.map((a) => quote(a)).join(' ');
  let line = words(step.argv);
  if (step.pipeInto) line = `${line} | ${words(step.pipeInto)}`;
  if (step.stdoutFile) line = `${line} > ${quote(step.stdoutFile)}`;
  if (step.tolerateFailure) line = `${line} || true`;
  if (step.onlyIfNonEmpty) line = `if [ -s ${quote(step.onlyIfNonEmpty)} ]; then ${line}; fi`;
  return line;
}

/** Where a step runs: the run's kubeconfig in the environment, the work directory as cwd. */
export interface StepPlace {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

/** Runs a step with the run's kubeconfig; throws with the tool's last output lines on failure. */
export async function runStep(
  step: CliStep,
  place: StepPlace,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  if (step.onlyIfNonEmpty) {
    const size = await stat(join(place.cwd, step.onlyIfNonEmpty)).then(
      (s) => s.size,
      () => 0,
    );
    if (size === 0) return { stdout: '', stderr: '' };
  }
  const shell = $({
    env: { ...process.env, ...place.env },
    cwd: place.cwd,
    quiet: true,
    nothrow: true,
    timeout: step.timeoutMs ?? timeoutMs,
  });
  const [command, ...args] = step.argv;
  const first = shell`${command} ${args}`;
  const result = step.pipeInto
    ? await first.pipe(shell`${step.pipeInto[0]} ${step.pipeInto.slice(1)}`)
    : await first;
  if (result.exitCode !== 0 && !step.tolerateFailure) {
    const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${step.title} failed (${shellLine(step)} exited ${result.exitCode}): ${tail}`);
  }
  if (step.stdoutFile) await writeFile(join(place.cwd, step.stdoutFile), result.stdout, { mode: 0o600 });
  return { stdout: result.stdout, stderr: result.stderr };
}

/** A CLI the live path needs, with how to read its version and the versions it must have. */
export interface CliRequirement {
  readonly tool: 'kubectl' | 'istioctl' | 'linkerd';
  readonly versionArgv: readonly string[];
  /** Extracts the version from the output of versionArgv. */
  readonly parse: (output: string) => string | undefined;
  /** Returns why the version is unsuitable, or undefined when it is fine. */
  readonly unsuitable: (version: string) => string | undefined;
  readonly install: string;
}

/** Checks a CLI is on PATH and of a usable version; coded errors say what to install. */
export async function requireCli(requirement: CliRequirement): Promise<string> {
  const [command, ...args] = requirement.versionArgv;
  const result = await $({
    quiet: true,
    nothrow: true,
    timeout: clusterWaits.cliVersionMs,
  })`${command} ${args}`.catch(() => undefined);
  if (
    !result ||
    result.exitCode === 127 ||
    /ENOENT|not found/.test(result.stderr) ||
    result.exitCode === null
  ) {
    throw new MeshproofError(
      'MESHPROOF_CLI_MISSING',
      `${requirement.tool} is not on PATH: ${requirement.install}`,
    );
  }
  const version = requirement.parse(`${result.stdout}\n${result.stderr}`);
  if (!version) {
    throw new MeshproofError(
      'MESHPROOF_CLI_VERSION',
      `cannot read the version of ${requirement.tool} (${requirement.versionArgv.join(' ')}): ${requirement.install}`,
    );
  }
  const problem = requirement.unsuitable(version);
  if (problem)
    throw new MeshproofError('MESHPROOF_CLI_VERSION', `${requirement.tool} ${version}: ${problem}`);
  return version;
}

/** Compares dotted numeric versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10) || 0);
  const pb = b
    .replace(/^v/, '')
    .split(/[.-]/)
    .map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** kubectl 1.28 or newer (server-side apply, `kubectl version -o json`). */
export const kubectlRequirement: CliRequirement = {
  tool: 'kubectl',
  versionArgv: ['kubectl', 'version', '--client', '-o', 'json'],
  parse: (output) => /"gitVersion":\s*"v?([\d.]+)/.exec(output)?.[1],
  unsuitable: (version) =>
    compareVersions(version, '1.28.0') < 0 ? 'kubectl 1.28 or newer is needed' : undefined,
  install: 'install kubectl 1.28+ (https://kubernetes.io/docs/tasks/tools/) and put it on PATH',
};

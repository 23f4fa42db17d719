import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import { parse } from 'yaml';

/**
 * Test fixture: runs a composite action's steps on this machine the way the Actions runner does,
 * so the tests try every shell step of action.yml for real. Expressions are evaluated by GitHub's
 * own evaluator (@actions/expressions); `run:` steps go to `bash --noprofile --norc -e -o pipefail`
 * (actions/runner src/Runner.Worker/Handlers/ScriptHandlerHelpers.cs) with GITHUB_OUTPUT, GITHUB_ENV,
 * GITHUB_PATH and GITHUB_STEP_SUMMARY files; a step's `if:` without a status function means
 * `success() && …`. `uses:` steps cannot run here: they are recorded, with their evaluated `with:`,
 * for the test to judge.
 */

interface ActionStep {
  readonly id?: string;
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Record<string, string>;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
}

/** action.yml as far as a composite action goes. */
export interface CompositeAction {
  readonly inputs: Record<string, { readonly description?: string; readonly default?: string }>;
  readonly outputs: Record<string, { readonly description?: string; readonly value: string }>;
  readonly runs: { readonly using: string; readonly steps: readonly ActionStep[] };
}

/** A workflow command a step printed (outside `::stop-commands::`). */
export interface WorkflowCommand {
  readonly command: string;
  readonly properties: Record<string, string>;
  readonly data: string;
}

/** What happened to one step. */
export interface StepRecord {
  readonly id?: string;
  readonly name: string;
  readonly outcome: 'success' | 'failure' | 'skipped' | 'not-run-here';
  readonly exitCode?: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly commands: readonly WorkflowCommand[];
  /** For `uses:` steps: the action and its evaluated inputs. */
  readonly uses?: string;
  readonly with?: Record<string, string>;
}

/** The run of the whole action. */
export interface ActionRun {
  readonly steps: readonly StepRecord[];
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly env: Record<string, string>;
  readonly path: readonly string[];
  /** success when no step failed. */
  readonly conclusion: 'success' | 'failure';
}

export function readCompositeAction(file: string): CompositeAction {
  return parse(readFileSync(file, 'utf8')) as CompositeAction;
}

const statusFunctions = ['always', 'success', 'failure', 'cancelled'];
const contextNames = ['inputs', 'steps', 'github', 'runner', 'env', 'job', 'matrix', 'strategy'];

function evaluate(expression: string, context: unknown, failed: boolean): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const parser = new Parser(
    lexed.tokens,
    contextNames,
    statusFunctions.map((name) => ({ name, minArgs: 0, maxArgs: 0 })),
  );
  const status: Record<string, boolean> = {
    always: true,
    success: !failed,
    failure: failed,
    cancelled: false,
  };
  const functions = new Map<string, FunctionDefinition>(
    statusFunctions.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status[name] ?? false) },
    ]),
  );
  const contextData = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(parser.parse(), contextData, functions).evaluate();
}

/** `${{ … }}` replaced by each expression's value as a string. */
function substitute(template: string, context: unknown, failed: boolean): string {
  return template.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) =>
    evaluate(expression, context, failed).coerceString(),
  );
}

function conditionHolds(condition: string | undefined, context: unknown, failed: boolean): boolean {
  if (condition === undefined) return !failed;
  const bare = condition.trim().replace(/^\$\{\{(.*)\}\}$/s, '$1');
  const withStatus = statusFunctions.some((name) => new RegExp(`\\b${name}\\(`).test(bare))
    ? bare
    : `success() && (${bare})`;
  return truthy(evaluate(withStatus, context, failed));
}

/** name=value lines and name<<DELIMITER heredocs, as in GITHUB_OUTPUT and GITHUB_ENV. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      values[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/**
 * One line of a step's output read as the runner reads a workflow command (actions/runner v2.336.0
 * src/Runner.Common/ActionCommand.cs `TryParse`): the command and its properties up to the next
 * `::`, properties split at `,` and then at the first `=`, escapes undone in the runner's order
 * (CR, LF, then `:` and `,` in properties, `%` last). Undefined when the line is no command.
 */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  const undo = (text: string, mappings: readonly (readonly [string, string])[]) =>
    mappings.reduce((value, [token, escaped]) => value.replaceAll(escaped, token), text);
  const dataMappings = [
    ['\r', '%0D'],
    ['\n', '%0A'],
    ['%', '%25'],
  ] as const;
  const propertyMappings = [
    ['\r', '%0D'],
    ['\n', '%0A'],
    [':', '%3A'],
    [',', '%2C'],
    ['%', '%25'],
  ] as const;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter((p) => p.length > 0)) {
      const equals = pair.indexOf('=');
      if (equals > 0) properties[pair.slice(0, equals)] = undo(pair.slice(equals + 1), propertyMappings);
    }
  }
  return { command, properties, data: undo(message.slice(end + 2), dataMappings) };
}

/** The workflow commands the runner would act on in a step's stdout (none between stop-commands and its token). */
export function workflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split('\n')) {
    const parsed = parseWorkflowCommand(line);
    if (stopToken !== undefined) {
      if (parsed?.command === stopToken && parsed.data === '') stopToken = undefined;
    } else if (parsed?.command === 'stop-commands') {
      stopToken = parsed.data;
    } else if (parsed) {
      commands.push(parsed);
    }
  }
  return commands;
}

function runBash(
  script: string,
  options: { cwd: string; env: Record<string, string>; scriptDir: string; timeoutMs: number },
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const file = join(options.scriptDir, `step-${Date.now()}-${Math.random().toString(16).slice(2)}.sh`);
  writeFileSync(file, script);
  const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', file], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr })),
  );
}

/** Where and with what the action runs. */
export interface RunOptions {
  readonly actionPath: string;
  readonly workspace: string;
  readonly runnerTemp: string;
  readonly inputs: Record<string, string>;
  /** The job's environment (the machine's PATH, HOME…); GITHUB_* files are added per step. */
  readonly env: Record<string, string>;
  /** github context values beyond action_path and workspace. */
  readonly github?: Record<string, string>;
  readonly stepTimeoutMs: number;
}

/** Runs every step of the composite action in order, as the runner would. */
export async function runCompositeAction(action: CompositeAction, options: RunOptions): Promise<ActionRun> {
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([name, input]) => [name, options.inputs[name] ?? input.default ?? '']),
  );
  const github = {
    action_path: options.actionPath,
    workspace: options.workspace,
    token: 'fake-token-for-local-runs',
    ...options.github,
  };
  // Input defaults may hold expressions (github.token).
  for (const [name, value] of Object.entries(inputs))
    inputs[name] = substitute(value, { github, inputs: {} }, false);
  const steps: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const records: StepRecord[] = [];
  const jobEnv: Record<string, string> = {};
  const path: string[] = [];
  const commandFiles = mkdtempSync(join(options.runnerTemp, 'runner-files-'));
  const summaryFile = join(commandFiles, 'step-summary.md');
  writeFileSync(summaryFile, '');
  let failed = false;

  for (const [index, step] of action.runs.steps.entries()) {
    const context = { inputs, steps, github, runner: { temp: options.runnerTemp, os: 'Linux' }, env: jobEnv };
    const name = substitute(step.name ?? step.uses ?? `step ${index + 1}`, context, failed);
    if (!conditionHolds(step.if, context, failed)) {
      records.push({
        id: step.id,
        name,
        outcome: 'skipped',
        stdout: '',
        stderr: '',
        outputs: {},
        commands: [],
      });
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([key, value]) => [key, substitute(String(value), context, failed)]),
    );
    if (step.uses) {
      const evaluated = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([key, value]) => [
          key,
          substitute(String(value), context, failed),
        ]),
      );
      records.push({
        id: step.id,
        name,
        outcome: 'not-run-here',
        stdout: '',
        stderr: '',
        outputs: {},
        commands: [],
        uses: step.uses,
        with: evaluated,
      });
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'success', conclusion: 'success' };
      continue;
    }
    if (step.shell !== 'bash')
      throw new Error(`step ${name}: only shell: bash is emulated, not ${step.shell}`);
    const files = {
      GITHUB_OUTPUT: join(commandFiles, `output-${index}`),
      GITHUB_ENV: join(commandFiles, `env-${index}`),
      GITHUB_PATH: join(commandFiles, `path-${index}`),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const stepSummary = join(commandFiles, `summary-${index}`);
    writeFileSync(stepSummary, '');
    const env = {
      ...options.env,
      ...jobEnv,
      ...stepEnv,
      ...files,
      GITHUB_STEP_SUMMARY: stepSummary,
      GITHUB_ACTION_PATH: options.actionPath,
      GITHUB_WORKSPACE: options.workspace,
      RUNNER_TEMP: options.runnerTemp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      PATH: [...path, options.env.PATH ?? ''].join(delimiter),
    };
    mkdirSync(options.workspace, { recursive: true });
    const result = await runBash(substitute(step.run ?? '', context, failed), {
      cwd: options.workspace,
      env,
      scriptDir: commandFiles,
      timeoutMs: options.stepTimeoutMs,
    });
    const outputs = parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    Object.assign(jobEnv, parseKeyValueFile(readFileSync(files.GITHUB_ENV, 'utf8')));
    path.unshift(
      ...readFileSync(files.GITHUB_PATH, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .reverse(),
    );
    writeFileSync(summaryFile, readFileSync(summaryFile, 'utf8') + readFileSync(stepSummary, 'utf8'));
    const outcome = result.exitCode === 0 ? 'success' : 'failure';
    if (outcome === 'failure') failed = true;
    if (step.id) steps[step.id] = { outputs, outcome, conclusion: outcome };
    records.push({
      id: step.id,
      name,
      outcome,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs,
      commands: workflowCommands(result.stdout),
    });
  }

  const context = { inputs, steps, github, runner: { temp: options.runnerTemp, os: 'Linux' }, env: jobEnv };
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([name, output]) => [name, substitute(output.value, context, failed)]),
  );
  return {
    steps: records,
    outputs,
    summary: readFileSync(summaryFile, 'utf8'),
    env: jobEnv,
    path,
    conclusion: failed ? 'failure' : 'success',
  };
}

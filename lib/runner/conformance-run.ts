/**
 * The conformance run as vitest executes it: one test per selected check, the environment
 * started once before them and torn down after. Not a unit test: the CLI points vitest here.
 */
import { afterAll, beforeAll, inject, test } from 'vitest';
import { registry } from '../../suites/registry.ts';
import { isMeshproofError } from '../errors/meshproof-error.ts';
import type { CheckResult, Environment } from '../model/index.ts';
import { runCheck } from './run-check.ts';
import type { RunEnvironmentInfo } from './run-config.ts';
import { selectChecks } from './select-checks.ts';
import { startEnvironment } from './start-environment.ts';

declare module 'vitest' {
  interface TaskMeta {
    meshproof?: { result: CheckResult; environment: RunEnvironmentInfo };
  }
}

const config = inject('meshproofRun');
const checks = selectChecks(registry, config.only);
let env: Environment | undefined;
let startupError: RunEnvironmentInfo['startupError'];

beforeAll(async () => {
  try {
    env = await startEnvironment(config);
  } catch (error) {
    startupError = isMeshproofError(error)
      ? { code: error.code, message: error.message }
      : { code: 'MESHPROOF_ENVIRONMENT_FAILED', message: (error as Error).message };
  }
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

for (const check of checks) {
  test(check.id, async ({ task, skip }) => {
    const environment: RunEnvironmentInfo = {
      meshVersion: env?.meshVersion ?? 'unknown',
      platform: config.platform,
      ...(startupError ? { startupError } : {}),
    };
    const result: CheckResult = env
      ? await runCheck(check, env, check.id)
      : {
          id: check.id,
          description: check.description,
          profile: check.profile,
          features: check.features,
          status: 'ERROR',
          durationMs: 0,
          want: 'the environment starts',
          got: `${startupError?.code}: ${startupError?.message}`,
          reason: startupError?.message ?? 'environment did not start',
          evidence: {},
        };
    task.meta.meshproof = { result, environment };
    if (result.status === 'NOT_SUPPORTED' || result.status === 'SKIPPED') skip(result.reason);
    if (result.status === 'FAILED' || result.status === 'ERROR') {
      throw new Error(`${result.status}: want ${result.want}; got ${result.got}`);
    }
  });
}

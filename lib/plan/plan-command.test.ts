import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runPlan } from '../cli/plan-command.ts';

const main = new URL('../cli/main.ts', import.meta.url).pathname;
const roots: string[] = [];
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});
const tempRoot = () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-plan-cli-'));
  roots.push(dir);
  return dir;
};

function plan(mesh: string, env: NodeJS.ProcessEnv) {
  // A folder that does not exist yet: a refused plan must not create it.
  const output = join(tempRoot(), 'reports');
  const result = spawnSync(process.execPath, [main, 'plan', '--mesh', mesh, '--output', output], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { ...result, output };
}

/** `meshproof plan` in this process, with these environment variables set for its duration. */
const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});
async function planHere(mesh: 'istio' | 'linkerd', env: Record<string, string>) {
  Object.assign(process.env, env);
  const output = tempRoot();
  const written = () => readdirSync(output);
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await runPlan({ mesh, only: [], output });
    return { error: undefined, output, written };
  } catch (error) {
    return { error: error as Error & { code?: string }, output, written };
  } finally {
    process.stdout.write = write;
  }
}

describe('values from the environment reaching plan output', () => {
  it('a version with a line break: one coded line from the CLI, exit 2, nothing written', () => {
    const result = plan('istio', { MESHPROOF_ISTIO_VERSION: '1.30.3\ntouch pwned #' });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^MESHPROOF_BAD_ENV: MESHPROOF_ISTIO_VERSION=/);
    expect(existsSync(result.output)).toBe(false);
  });

  it.each([
    ['istio', { MESHPROOF_K6_IMAGE: 'grafana/k6:2.2.0"; touch pwned; "' }],
    ['istio', { MESHPROOF_NODE_IMAGE: 'node:24$(touch pwned)' }],
    ['linkerd', { MESHPROOF_LINKERD_VERSION: 'edge-26.8.3`touch pwned`' }],
    ['linkerd', { MESHPROOF_GATEWAY_API_VERSION: "v1.5.1'\ntouch pwned\n'" }],
    ['istio', { MESHPROOF_K3S_IMAGE: '::bad::' }],
  ] as const)('%s with %j: a coded error, nothing written', async (mesh, env) => {
    const result = await planHere(mesh, env);
    expect(result.error).toMatchObject({
      code: 'MESHPROOF_BAD_ENV',
      message: expect.stringMatching(/^MESHPROOF_\w+=/),
    });
    expect(result.written()).toEqual([]);
  });

  it('quotes hostile (but valid) identity file paths so that commands.sh runs them as plain words', async () => {
    const root = tempRoot();
    const hostile = join(root, `it's "a" $(touch pwned) \`touch pwned2\` ;touch pwned3; key.pem`);
    writeFileSync(hostile, 'PEM');
    const result = await planHere('linkerd', {
      MESHPROOF_LINKERD_TRUST_ANCHORS: hostile,
      MESHPROOF_LINKERD_ISSUER_CERT: hostile,
      MESHPROOF_LINKERD_ISSUER_KEY: hostile,
    });
    expect(result.error).toBeUndefined();
    const dir = join(result.output, 'plan', 'linkerd');
    // Every command of the script run against stub CLIs that record their arguments.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    for (const tool of ['kubectl', 'linkerd', 'istioctl']) {
      writeFileSync(
        join(bin, tool),
        `#!/bin/sh\nprintf '%s\\n' "$0" "$@" "--" >> '${join(root, 'argv')}'\n`,
        { mode: 0o755 },
      );
    }
    const run = spawnSync('bash', ['commands.sh'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: root },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    for (const trap of ['pwned', 'pwned2', 'pwned3']) {
      expect(existsSync(join(dir, trap)), trap).toBe(false);
      expect(existsSync(join(root, trap)), trap).toBe(false);
    }
    const argv = readFileSync(join(root, 'argv'), 'utf8');
    expect(argv).toContain(
      `--identity-trust-anchors-file\n${hostile}\n--identity-issuer-certificate-file\n${hostile}\n`,
    );
  });

  it('refuses an identity file path with a line break', async () => {
    const root = tempRoot();
    const result = await planHere('linkerd', {
      MESHPROOF_LINKERD_TRUST_ANCHORS: join(root, 'a.pem\ntouch pwned'),
      MESHPROOF_LINKERD_ISSUER_CERT: join(root, 'b.pem'),
      MESHPROOF_LINKERD_ISSUER_KEY: join(root, 'c.pem'),
    });
    expect(result.error).toMatchObject({
      code: 'MESHPROOF_BAD_ENV',
      message: expect.stringMatching(/^MESHPROOF_LINKERD_TRUST_ANCHORS has control characters/),
    });
  });
});

describe('meshproof plan --timeouts FILE', () => {
  const planWith = (file: string, env: NodeJS.ProcessEnv = {}) => {
    const output = join(tempRoot(), 'reports');
    const result = spawnSync(
      process.execPath,
      [main, 'plan', '--mesh', 'linkerd', '--output', output, ...(file ? ['--timeouts', file] : [])],
      { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
    );
    return { ...result, output };
  };
  const timeoutsFile = (text: string) => {
    const file = join(tempRoot(), 'timeouts.json');
    writeFileSync(file, text);
    return file;
  };

  it('shows the values in force in timeouts.json and uses them in the commands', () => {
    const slow = timeoutsFile('{"clusterWaits": {"meshReadinessMs": 900000}}');
    for (const result of [planWith(slow), planWith('', { MESHPROOF_TIMEOUTS: slow })]) {
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const dir = join(result.output, 'plan', 'linkerd');
      const inForce = JSON.parse(readFileSync(join(dir, 'timeouts.json'), 'utf8'));
      expect(inForce.clusterWaits.meshReadinessMs).toBe(900_000);
      expect(inForce.cluster.convergenceMs).toBe(60_000);
      expect(readFileSync(join(dir, 'commands.sh'), 'utf8')).toContain('linkerd check --wait 15m');
    }
    const defaults = planWith('');
    const commands = readFileSync(join(defaults.output, 'plan', 'linkerd', 'commands.sh'), 'utf8');
    expect(commands).toContain('linkerd check --wait 5m');
  });

  it('refuses a bad file with one coded line, exit 2, and writes nothing', () => {
    for (const file of [
      timeoutsFile('{"clusterWaits": {"meshReadinesMs": 1}}'),
      join(tempRoot(), 'absent.json'),
    ]) {
      const result = planWith(file);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^MESHPROOF_BAD_TIMEOUTS: [^\n]+\n$/);
      expect(existsSync(result.output)).toBe(false);
    }
  });
});

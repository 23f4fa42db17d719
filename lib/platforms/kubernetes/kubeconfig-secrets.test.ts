/**
 * Credentials never leave the machine in a file or a log: a kubeconfig with recognisable secrets
 * (the chosen context's and another one's) and a secret in the environment, a cluster run that
 * gets as far as deploying its fixtures before a coded refusal, and a kubeconfig that fails to
 * parse. The secrets appear in no output file, no temporary file left behind, no line printed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApi, startFakeKubeApi } from '../../../test/platforms/kubernetes/kube-api-fixtures.ts';

const main = new URL('../../cli/main.ts', import.meta.url).pathname;
const secrets = {
  chosen: 'CHOSEN-TOKEN-7c1e',
  other: 'OTHER-CONTEXT-SECRET-51f3',
  env: 'ENV-SECRET-9d02',
};

let api: FakeKubeApi;
let root: string;
beforeAll(async () => {
  api = await startFakeKubeApi();
  root = mkdtempSync(join(tmpdir(), 'meshproof-secrets-'));
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
  rmSync(root, { recursive: true, force: true });
});

/** Every file under a directory, with its content. */
function filesUnder(dir: string): { path: string; content: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .map((path) => ({ path, content: readFileSync(path, 'latin1') }));
}

function meshproof(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.on('exit', (status) => resolve({ status, out }));
  });
}

function expectNoSecret(text: string, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    expect(text.includes(secret), `${name} secret in ${where}`).toBe(false);
    expect(text.includes(Buffer.from(secret).toString('base64')), `${name} secret (base64) in ${where}`).toBe(
      false,
    );
  }
}

describe('secrets in a kubeconfig and the environment', () => {
  it('appear in no output, temporary file or log line of a cluster run', async () => {
    const tmp = join(root, 'tmp');
    const output = join(root, 'reports');
    const bin = join(root, 'bin');
    for (const dir of [tmp, output, bin]) mkdirSync(dir);
    const tool = (name: string, text: string) =>
      writeFileSync(join(bin, name), `#!/bin/sh\ncat <<'OUT'\n${text}\nOUT\n`, { mode: 0o755 });
    tool('kubectl', '{"clientVersion":{"gitVersion":"v1.36.3"}}');
    tool('istioctl', 'client version: 1.30.3');
    for (const t of ['sh', 'bash', 'cat'])
      writeFileSync(join(bin, t), `#!/bin/sh\nexec /bin/${t} "$@"\n`, { mode: 0o755 });
    // Istio is there and injects; the caller pods run a k6 of another major: a coded stop after
    // the fixtures were deployed.
    api.add({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'istiod',
        namespace: 'istio-system',
        labels: { app: 'istiod', 'istio.io/rev': 'default' },
      },
    });
    api.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'istiod-1',
        namespace: 'istio-system',
        labels: { app: 'istiod', 'istio.io/rev': 'default' },
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    api.onPodProxy = () => ({ status: 200, body: '1.30.3-0123456789abcdef0123456789abcdef01234567-Clean' });
    api.sidecars = (ns) => (ns.startsWith('meshproof-outside') ? [] : ['istio-proxy']);
    api.onExec = () => ({ kind: 'answer', stdout: '{"version":"v1.4.2"}' });
    const kubeconfig = join(root, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfig({ token: secrets.chosen, otherContextSecret: secrets.other }));

    const result = await meshproof(
      ['run', '--mesh', 'istio', '--platform', 'kubeconfig', '--context', 'test', '--output', output],
      {
        PATH: `${bin}:${dirname(process.execPath)}`,
        HOME: root,
        TMPDIR: tmp,
        KUBECONFIG: kubeconfig,
        MESHPROOF_TEST_SECRET: secrets.env,
      },
    );
    expect(result.status, result.out).toBe(2);
    expect(result.out).toMatch(/MESHPROOF_K6_VERSION: /);
    expectNoSecret(result.out, 'the output');
    for (const file of [...filesUnder(output), ...filesUnder(tmp)]) expectNoSecret(file.content, file.path);
    // Nothing of the run is left on the cluster either.
    expect(api.objects('Namespace').filter((n) => n.metadata.name.startsWith('meshproof-'))).toEqual([]);
    expect(statSync(kubeconfig).isFile()).toBe(true);
  }, 120_000);

  it('are never quoted when the kubeconfig does not parse', async () => {
    const broken = join(root, 'broken-kubeconfig');
    writeFileSync(
      broken,
      `apiVersion: v1\nusers:\n- name: u\n  user:\n    token: ${secrets.chosen}\n   client-key-data: '${secrets.other}\n`,
    );
    const bin = join(root, 'bin2');
    mkdirSync(bin);
    writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\necho '{"clientVersion":{"gitVersion":"v1.36.3"}}'\n`, {
      mode: 0o755,
    });
    writeFileSync(join(bin, 'istioctl'), "#!/bin/sh\necho 'client version: 1.30.3'\n", { mode: 0o755 });
    for (const t of ['sh', 'bash', 'cat'])
      writeFileSync(join(bin, t), `#!/bin/sh\nexec /bin/${t} "$@"\n`, { mode: 0o755 });
    const result = await meshproof(
      [
        'run',
        '--mesh',
        'istio',
        '--platform',
        'kubeconfig',
        '--context',
        'test',
        '--output',
        join(root, 'out2'),
      ],
      { PATH: `${bin}:${dirname(process.execPath)}`, HOME: root, KUBECONFIG: broken },
    );
    expect(result.status).toBe(2);
    expect(result.out.trim().split('\n')).toHaveLength(1);
    expect(result.out).toMatch(
      /^MESHPROOF_CLUSTER_UNREACHABLE: cannot use the kubeconfig: .* is not valid YAML \(line \d+, column \d+\)/,
    );
    expectNoSecret(result.out, 'the error');
  }, 60_000);
});

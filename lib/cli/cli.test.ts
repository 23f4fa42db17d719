import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureBenchReport } from '../../test/bench/bench-fixtures.ts';

const main = new URL('./main.ts', import.meta.url).pathname;
const tempRoots: string[] = [];
afterAll(() => {
  for (const dir of tempRoots) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-cli-test-'));
  tempRoots.push(dir);
  return dir;
}

function meshproof(args: string[], env: NodeJS.ProcessEnv = {}) {
  const output = tempRoot();
  const result = spawnSync(
    process.execPath,
    [main, ...args, ...(args[0] === 'run' && !args.includes('--output') ? ['--output', output] : [])],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60_000,
    },
  );
  return { ...result, output };
}

/** The contract for bad input: exit 2, one line with the code, no stack trace, nothing written. */
function expectCodedError(result: ReturnType<typeof meshproof>, code: string) {
  expect(result.status, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${code}: .+`));
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(readdirSync(result.output)).toEqual([]);
}

describe('bad input gets one coded line and exit 2', () => {
  it.each([
    [['run', '--mesh', 'consul'], 'MESHPROOF_UNKNOWN_MESH'],
    [['run', '--platform', 'nomad'], 'MESHPROOF_UNKNOWN_PLATFORM'],
    [['run', '--platform', 'k3s'], 'MESHPROOF_UNSUPPORTED_COMBINATION'],
    [['run', '--defect', 'no-such-defect'], 'MESHPROOF_UNKNOWN_DEFECT'],
    [['run', '--only', 'security.nothing'], 'MESHPROOF_NO_MATCHING_CHECK'],
    [['run', '--frobnicate'], 'MESHPROOF_BAD_FLAG'],
    [['run', '--base-port', 'eighty'], 'MESHPROOF_BAD_FLAG'],
    [['run', '--only'], 'MESHPROOF_BAD_FLAG'],
    [['launch'], 'MESHPROOF_BAD_FLAG'],
    [['run', '--bench', '/nonexistent/bench.json'], 'MESHPROOF_REPORT_UNREADABLE'],
  ])('meshproof %j → %s', (args, code) => {
    expectCodedError(meshproof(args), code);
  });

  it('names haproxy and how to install it when it is missing', () => {
    const result = meshproof(['run'], { PATH: dirname(process.execPath) });
    expectCodedError(result, 'MESHPROOF_HAPROXY_MISSING');
    expect(result.stderr).toContain('apt-get install haproxy');
  });

  it('refuses a taken port and leaves nothing running', async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    try {
      const result = meshproof([
        'run',
        '--only',
        'security.mtls.identity-presented',
        '--base-port',
        String(port),
      ]);
      expectCodedError(result, 'MESHPROOF_PORT_IN_USE');
    } finally {
      server.close();
    }
  });
});

describe('every command reads its flag values strictly: one coded line, exit 2, nothing started', () => {
  // Each value's cases are unit tests (validate-run.test.ts, bench-options.test.ts); here, each command's wiring.
  it.each([
    [['run', '--only', ','], /--only needs at least one check id/],
    [
      ['run', '--base-port', '0x10'],
      /--base-port must be a whole number from 1024 to 65000 in decimal digits, not "0x10"/,
    ],
    [['run', '--output', ''], /--output needs a folder/],
    [
      ['bench', '--rates', '0x10'],
      /--rates must be a whole number from 1 to 100000 in decimal digits, not "0x10"/,
    ],
    [['plan', '--only', ''], /--only needs at least one/],
    [['mutants', '--only', 'security.mtls,,traffic.*'], /--only has an empty item/],
    [['diff', '', 'reports/latest'], /<base> needs a report.json/],
    [['diff', 'a', 'b', '--output', ''], /--output needs a folder/],
  ])('meshproof %j', (args, message) => {
    const result = meshproof(args);
    expectCodedError(result, 'MESHPROOF_BAD_FLAG');
    expect(result.stderr).toMatch(message);
  });
});

describe('output paths are checked before anything starts', () => {
  /** Runs meshproof with its own --output (or none), and checks nothing was left in TMPDIR. */
  // A refusal that hangs (recursive mkdir under /proc loops forever) is killed at this deadline and
  // fails the exit-status expectation; the deadline is generous because a loaded machine can take
  // tens of seconds just to start node, which says nothing about meshproof.
  function withOutput(args: string[], env: NodeJS.ProcessEnv = {}) {
    const tmp = tempRoot();
    const result = spawnSync(process.execPath, [main, ...args], {
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp, ...env },
      timeout: 240_000,
    });
    return { ...result, tmp };
  }
  function expectRefused(result: ReturnType<typeof withOutput>, code: string, message: RegExp) {
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^${code}: `));
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(result.tmp) ? readdirSync(result.tmp) : []).toEqual([]);
    expect(result.stdout).not.toContain('starting the platform');
  }

  it.each([
    ['run', 'a file', ['--output', '/etc/hostname'], /\/etc\/hostname is a file, not a folder/],
    ['run', 'a device', ['--output', '/dev/null'], /under \/dev, a kernel file system/],
    [
      'run',
      'a folder under /proc (where mkdir loops forever)',
      ['--output', '/proc/meshproof/reports'],
      /under \/proc/,
    ],
    ['run', 'a folder under /sys', ['--output', '/sys/meshproof'], /under \/sys/],
    ['run', 'a path through a file', ['--output', '/etc/hostname/reports'], /\/etc\/hostname is a file/],
    ['bench', 'a file', ['--output', '/etc/hostname'], /is a file, not a folder/],
    ['plan', 'a folder under /proc', ['--output', '/proc/meshproof'], /under \/proc/],
    ['mutants', 'a device', ['--output', '/dev/zero'], /under \/dev/],
  ])(
    '%s --output naming %s',
    (command, _, flags, message) => {
      const result = withOutput([command, ...(command === 'plan' ? ['--mesh', 'istio'] : []), ...flags]);
      expectRefused(result, 'MESHPROOF_OUTPUT_UNUSABLE', message);
    },
    300_000,
  );

  it.each([
    ['run', 'latest'],
    ['bench', 'latest-bench'],
  ])('%s refuses <output>/%s that is a folder, not the link it keeps', (command, link) => {
    const output = tempRoot();
    mkdirSync(join(output, link));
    const result = withOutput([command, '--output', output]);
    expectRefused(
      result,
      'MESHPROOF_OUTPUT_UNUSABLE',
      new RegExp(`${link} is a folder where meshproof keeps a link`),
    );
    expect(readdirSync(output)).toEqual([link]);
  });

  it.each(['run', 'bench'])('%s refuses a TMPDIR that does not exist', (command) => {
    const missing = join(tempRoot(), 'no-such-dir');
    const result = withOutput([command, '--output', tempRoot()], { TMPDIR: missing });
    expectRefused(
      { ...result, tmp: missing },
      'MESHPROOF_TMPDIR_UNUSABLE',
      /TMPDIR=.*no-such-dir does not exist/,
    );
  });

  it('refuses a TMPDIR that is a file', () => {
    const file = join(tempRoot(), 'tmp-file');
    writeFileSync(file, '');
    const result = withOutput(['run', '--output', tempRoot()], { TMPDIR: file });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^MESHPROOF_TMPDIR_UNUSABLE: TMPDIR=.*tmp-file is a file, not a folder/);
  });
});

describe('help', () => {
  it('documents every command and flag of run', () => {
    const result = meshproof(['run', '--help']);
    expect(result.status).toBe(0);
    for (const flag of ['--mesh', '--platform', '--only', '--defect', '--output', '--bench', '--base-port']) {
      expect(result.stdout).toContain(flag);
    }
  });
});

describe('run --bench', () => {
  it('shows the benchmark in report.html, and refuses a report that is not a benchmark', () => {
    const benchDir = tempRoot();
    writeFileSync(join(benchDir, 'bench.json'), JSON.stringify(fixtureBenchReport()));
    const result = meshproof([
      'run',
      '--only',
      'security.mtls.strict-rejects-plaintext',
      '--bench',
      benchDir,
    ]);
    expect(result.status, result.stderr).toBe(0);
    const [runDir] = readdirSync(result.output).filter((name) => !name.startsWith('latest'));
    const html = readFileSync(join(result.output, runDir as string, 'report.html'), 'utf8');
    expect(html).toContain('id="bench"');
    expect(html).toContain(fixtureBenchReport().runId);

    const notBench = tempRoot();
    writeFileSync(
      join(notBench, 'report.json'),
      readFileSync(join(result.output, runDir as string, 'report.json')),
    );
    expectCodedError(meshproof(['run', '--bench', notBench]), 'MESHPROOF_REPORT_UNREADABLE');
  });
});

describe('cluster preflight: coded errors before anything starts', () => {
  /** A directory of fake CLIs that print a version, as the real ones do. */
  function fakeBin(tools: Record<string, string>): string {
    const dir = tempRoot();
    for (const [name, output] of Object.entries(tools)) {
      writeFileSync(join(dir, name), `#!/bin/sh\ncat <<'OUT'\n${output}\nOUT\n`, { mode: 0o755 });
    }
    // The shell zx runs commands with, and nothing else of the system: a machine's own
    // kubectl or istioctl must not be found.
    for (const tool of ['bash', 'sh', 'cat']) symlinkSync(`/bin/${tool}`, join(dir, tool));
    return dir;
  }
  const kubectl = '{"clientVersion":{"gitVersion":"v1.33.1"}}';
  const pathWith = (bin: string) => `${bin}:${dirname(process.execPath)}`;

  function kubeconfig(server: string): string {
    const file = join(tempRoot(), 'kubeconfig');
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: '${server}'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: staging, context: {cluster: c, user: u}}]\ncurrent-context: staging\n`,
    );
    return file;
  }

  it('says how to go on when no container runtime answers (k3s)', () => {
    const result = meshproof(['run', '--mesh', 'istio'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expectCodedError(result, 'MESHPROOF_NO_CONTAINER_RUNTIME');
    expect(result.stderr).toContain('--platform kubeconfig --context NAME');
    expect(result.stderr).toContain('MESH=reference');
  });

  it('benchmarks istio-ambient live: no refusal of the mesh, the run goes on to start its cluster', () => {
    const result = meshproof(['bench', '--mesh', 'istio-ambient'], {
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    expectCodedError(result, 'MESHPROOF_NO_CONTAINER_RUNTIME');
    expect(result.stderr).not.toContain('MESHPROOF_UNSUPPORTED_COMBINATION');
  });

  it('names a missing kubectl', () => {
    const bin = fakeBin({ istioctl: 'client version: 1.30.3' });
    expectCodedError(
      meshproof(['run', '--mesh', 'istio', '--platform', 'kubeconfig', '--context', 'staging'], {
        PATH: pathWith(bin),
      }),
      'MESHPROOF_CLI_MISSING',
    );
  });

  it('refuses an istioctl of another release than the one under test', () => {
    const bin = fakeBin({ kubectl, istioctl: 'client version: 1.29.1' });
    const result = meshproof(['run', '--mesh', 'istio', '--platform', 'kubeconfig', '--context', 'staging'], {
      PATH: pathWith(bin),
    });
    expectCodedError(result, 'MESHPROOF_CLI_VERSION');
    expect(result.stderr).toContain('1.30.3');
  });

  it('refuses a linkerd CLI of another release than the one under test', () => {
    const bin = fakeBin({ kubectl, linkerd: 'edge-25.1.1' });
    expectCodedError(
      meshproof(['run', '--mesh', 'linkerd', '--platform', 'kubeconfig', '--context', 'staging'], {
        PATH: pathWith(bin),
      }),
      'MESHPROOF_CLI_VERSION',
    );
  });

  it('refuses a context that is not in the kubeconfig, listing the known ones', () => {
    const bin = fakeBin({ kubectl, istioctl: 'client version: 1.30.3' });
    const result = meshproof(['run', '--mesh', 'istio', '--platform', 'kubeconfig', '--context', 'prod'], {
      PATH: pathWith(bin),
      KUBECONFIG: kubeconfig('https://127.0.0.1:1'),
    });
    expectCodedError(result, 'MESHPROOF_UNKNOWN_CONTEXT');
    expect(result.stderr).toContain('staging');
  });

  it('reports an unreachable cluster', () => {
    const bin = fakeBin({ kubectl, istioctl: 'client version: 1.30.3' });
    expectCodedError(
      meshproof(['run', '--mesh', 'istio', '--platform', 'kubeconfig', '--context', 'staging'], {
        PATH: pathWith(bin),
        KUBECONFIG: kubeconfig('https://127.0.0.1:1'),
      }),
      'MESHPROOF_CLUSTER_UNREACHABLE',
    );
  });

  it('writes a plan without any cluster, container runtime or mesh CLI', () => {
    const output = tempRoot();
    const result = spawnSync(process.execPath, [main, 'plan', '--mesh', 'linkerd', '--output', output], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: dirname(process.execPath),
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(readdirSync(join(output, 'plan', 'linkerd'))).toEqual(
      expect.arrayContaining([
        'commands.sh',
        'fixtures.yaml',
        'plan.json',
        'security.mtls.strict-rejects-plaintext.yaml',
      ]),
    );
  });
});

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinnedVersions } from '../versions.ts';
import {
  defaultReleaseBases,
  istioctlAsset,
  kubectlAsset,
  kubectlVersionOfK3sImage,
  linkerdAsset,
  parseChecksumFile,
  parseReleaseAssetDigest,
  releaseBasesFrom,
  releasePlatformOf,
} from './cli-releases.ts';

const installer = new URL('./install-clis.ts', import.meta.url).pathname;
const linuxAmd64 = { os: 'linux', arch: 'amd64' } as const;
const hashA = 'a'.repeat(64);

describe('where the CLI releases are and how they state their checksums', () => {
  it('names the assets as the release tooling publishes them', () => {
    const b = defaultReleaseBases;
    expect(kubectlAsset('v1.33.1', linuxAmd64, b)).toEqual({
      tool: 'kubectl',
      version: 'v1.33.1',
      url: 'https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubectl',
      checksum: { kind: 'file', url: 'https://dl.k8s.io/release/v1.33.1/bin/linux/amd64/kubectl.sha256' },
    });
    expect(istioctlAsset('1.30.3', { os: 'linux', arch: 'arm64' }, b).url).toBe(
      'https://github.com/istio/istio/releases/download/1.30.3/istioctl-1.30.3-linux-arm64.tar.gz',
    );
    expect(istioctlAsset('1.30.3', { os: 'darwin', arch: 'amd64' }, b).checksum).toEqual({
      kind: 'file',
      url: 'https://github.com/istio/istio/releases/download/1.30.3/istioctl-1.30.3-osx-amd64.tar.gz.sha256',
    });
    expect(linkerdAsset('edge-26.8.3', linuxAmd64, b)).toEqual({
      tool: 'linkerd',
      version: 'edge-26.8.3',
      url: 'https://github.com/linkerd/linkerd2/releases/download/edge-26.8.3/linkerd2-cli-edge-26.8.3-linux-amd64',
      checksum: {
        kind: 'release-api',
        url: 'https://api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.8.3',
        assetName: 'linkerd2-cli-edge-26.8.3-linux-amd64',
      },
    });
    expect(linkerdAsset('edge-26.8.3', { os: 'darwin', arch: 'amd64' }, b).url).toMatch(/-darwin$/);
  });

  it('kubectl follows the pinned k3s image, and only known machines get assets', () => {
    expect(kubectlVersionOfK3sImage('rancher/k3s:v1.36.3-k3s1')).toBe('v1.36.3');
    expect(kubectlVersionOfK3sImage(pinnedVersions.k3sImage.value)).toBe(pinnedKubectl);
    expect(kubectlVersionOfK3sImage('rancher/k3s:latest')).toBeUndefined();
    expect(releasePlatformOf('linux', 'x64')).toEqual(linuxAmd64);
    expect(releasePlatformOf('win32', 'x64')).toBeUndefined();
    expect(releasePlatformOf('linux', 'ia32')).toBeUndefined();
  });

  it('reads both checksum file shapes and GitHub asset digests, and nothing else', () => {
    expect(parseChecksumFile(hashA)).toBe(hashA);
    expect(parseChecksumFile(`${hashA.toUpperCase()} istioctl-1.30.3-linux-amd64.tar.gz\n`)).toBe(hashA);
    expect(parseChecksumFile('<html>Not Found</html>')).toBeUndefined();
    expect(parseChecksumFile(hashA.slice(1))).toBeUndefined();
    const release = {
      assets: [
        { name: 'x', digest: `sha256:${'b'.repeat(64)}` },
        { name: 'y', digest: null },
      ],
    };
    expect(parseReleaseAssetDigest(release, 'x')).toBe('b'.repeat(64));
    expect(parseReleaseAssetDigest(release, 'y')).toBeUndefined();
    expect(parseReleaseAssetDigest(release, 'z')).toBeUndefined();
    expect(parseReleaseAssetDigest({ message: 'Not Found' }, 'x')).toBeUndefined();
  });

  it('a mirror replaces a base, trailing slash or not', () => {
    const bases = releaseBasesFrom({ MESHPROOF_ISTIO_RELEASES: 'http://mirror/istio/' });
    expect(bases.istio).toBe('http://mirror/istio');
    expect(bases.kubectl).toBe(defaultReleaseBases.kubectl);
  });
});

/** A release server on loopback: fake CLIs (shell scripts printing a version) under the real layouts. */
interface Release {
  kubectlOutput: string;
  istioctlOutput: string;
  linkerdOutput: string;
  /** Overrides of what a path serves (a wrong checksum, a missing digest, 404). */
  overrides: Map<string, string | number>;
}

const root = mkdtempSync(join(tmpdir(), 'meshproof-install-clis-'));
const files = new Map<string, Buffer>();
/** The kubectl release the pinned k3s image runs (the installer follows it). */
const pinnedKubectl = kubectlVersionOfK3sImage(pinnedVersions.k3sImage.value) ?? 'unparsable k3s image';
let server: Server;
let base = '';

function script(output: string): Buffer {
  return Buffer.from(`#!/bin/sh\necho '${output}'\n`);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function publish(release: Release): void {
  files.clear();
  const kubectl = script(release.kubectlOutput);
  files.set(`/k8s/${pinnedKubectl}/bin/linux/amd64/kubectl`, kubectl);
  files.set(`/k8s/${pinnedKubectl}/bin/linux/amd64/kubectl.sha256`, Buffer.from(sha256(kubectl)));
  const staging = mkdtempSync(join(root, 'istio-'));
  writeFileSync(join(staging, 'istioctl'), script(release.istioctlOutput));
  chmodSync(join(staging, 'istioctl'), 0o755);
  execFileSync('tar', ['-czf', join(staging, 'a.tar.gz'), '-C', staging, 'istioctl']);
  const archive = readFileSync(join(staging, 'a.tar.gz'));
  const name = 'istioctl-1.30.3-linux-amd64.tar.gz';
  files.set(`/istio/1.30.3/${name}`, archive);
  files.set(`/istio/1.30.3/${name}.sha256`, Buffer.from(`${sha256(archive)} ${name}\n`));
  const linkerd = script(release.linkerdOutput);
  const asset = 'linkerd2-cli-edge-26.8.3-linux-amd64';
  files.set(`/linkerd/edge-26.8.3/${asset}`, linkerd);
  files.set(
    '/api/edge-26.8.3',
    Buffer.from(
      JSON.stringify({
        tag_name: 'edge-26.8.3',
        assets: [{ name: asset, digest: `sha256:${sha256(linkerd)}` }],
      }),
    ),
  );
  for (const [path, value] of release.overrides) {
    if (typeof value === 'number') files.delete(path);
    else files.set(path, Buffer.from(value));
  }
}

function release(overrides: [string, string | number][] = []): Release {
  return {
    kubectlOutput: `{"clientVersion": {"gitVersion": "${pinnedKubectl}"}}`,
    istioctlOutput: 'client version: 1.30.3',
    linkerdOutput: 'edge-26.8.3',
    overrides: new Map(overrides),
  };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const body = files.get(request.url ?? '');
    response.writeHead(body ? 200 : 404).end(body ?? 'Not Found');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(root, { recursive: true, force: true });
});

function runInstaller(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [installer, ...args], {
    env: {
      PATH: process.env.PATH,
      MESHPROOF_KUBECTL_RELEASES: `${base}/k8s`,
      MESHPROOF_ISTIO_RELEASES: `${base}/istio`,
      MESHPROOF_LINKERD_RELEASES: `${base}/linkerd`,
      MESHPROOF_LINKERD_RELEASE_API: `${base}/api`,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((done) => child.on('close', (status) => done({ status, stdout, stderr })));
}

function expectCoded(result: { status: number | null; stderr: string }, code: string) {
  expect(result.status, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toMatch(new RegExp(`^${code}: `));
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('install-clis against a release server on loopback', () => {
  it('installs kubectl and istioctl checked against their .sha256 files, and prints the version', async () => {
    publish(release());
    const dir = mkdtempSync(join(root, 'bin-'));
    const result = await runInstaller(['--mesh', 'istio', '--dir', dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${pinnedVersions.istio.value}\n`);
    expect(readdirSync(dir).sort()).toEqual(['istioctl', 'kubectl']);
    expect(execFileSync(join(dir, 'istioctl'), ['version'], { encoding: 'utf8' })).toContain('1.30.3');
    expect(result.stderr).toContain(
      `sha256 ${sha256(files.get('/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz') as Buffer)}`,
    );
  });

  it('installs the linkerd CLI checked against the release API digest', async () => {
    publish(release());
    const dir = mkdtempSync(join(root, 'bin-'));
    const result = await runInstaller(['--mesh', 'linkerd', '--version', 'edge-26.8.3', '--dir', dir]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('edge-26.8.3\n');
    expect(readdirSync(dir).sort()).toEqual(['kubectl', 'linkerd']);
  });

  it.each([
    [
      'a binary that does not match its checksum file',
      'istio',
      [['/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz.sha256', `${hashA} x\n`]],
      'MESHPROOF_CHECKSUM_MISMATCH',
      /has SHA-256 [0-9a-f]{64}, but its release states a{64}/,
    ],
    [
      'a checksum file that holds no hash',
      'istio',
      [['/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz.sha256', '<html>moved</html>']],
      'MESHPROOF_CHECKSUM_MISMATCH',
      /holds no SHA-256/,
    ],
    [
      'a release whose asset has no digest',
      'linkerd',
      [['/api/edge-26.8.3', '{"assets":[{"name":"linkerd2-cli-edge-26.8.3-linux-amd64"}]}']],
      'MESHPROOF_CHECKSUM_MISMATCH',
      /states no sha256 digest/,
    ],
    [
      'a version that was never released',
      'istio',
      [['/istio/1.30.3/istioctl-1.30.3-linux-amd64.tar.gz', 404]],
      'MESHPROOF_DOWNLOAD_FAILED',
      /answered HTTP 404/,
    ],
  ] as const)('refuses %s, leaving no partial file', async (_what, mesh, overrides, code, detail) => {
    publish(release(overrides.map(([path, value]) => [path, value] as [string, string | number])));
    const dir = mkdtempSync(join(root, 'bin-'));
    const result = await runInstaller(['--mesh', mesh, '--dir', dir]);
    expectCoded(result, code);
    expect(result.stderr).toMatch(detail);
    expect(result.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['kubectl']);
  });

  it('refuses a CLI of another release than the one under test', async () => {
    publish({ ...release(), istioctlOutput: 'client version: 1.29.6' });
    const dir = mkdtempSync(join(root, 'bin-'));
    const result = await runInstaller(['--mesh', 'istio', '--dir', dir]);
    expectCoded(result, 'MESHPROOF_CLI_VERSION');
    expect(result.stderr).toContain('istioctl 1.29.6');
  });

  it('bad flags get one coded line', async () => {
    const result = await runInstaller(['--mesh', 'consul', '--dir', root]);
    expectCoded(result, 'MESHPROOF_BAD_FLAG');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(root, 'kubectl'))).toBe(false);
  });
});

#!/usr/bin/env node
/**
 * `node lib/ci/install-clis.ts --mesh istio|linkerd [--version V] [--kubectl-version V] --dir DIR`:
 * installs kubectl and the mesh's CLI of the release under test into DIR, each checked against the
 * SHA-256 its release publishes, then checks both are what a cluster run accepts. Prints the mesh
 * version on stdout (for the action), progress on stderr; bad input or a failed check is one coded
 * line and exit 2, with nothing left in DIR but what was installed whole.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { formatError, isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import { istioctlRequirement } from '../meshes/istio/istio-install.ts';
import { linkerdCliRequirement } from '../meshes/linkerd/linkerd-install.ts';
import { ciTimeouts } from '../model/timeouts.ts';
import { kubectlRequirement, requireCli } from '../platforms/kubernetes/cli-steps.ts';
import { pinnedVersions, versionOf } from '../versions.ts';
import {
  type CliAsset,
  istioctlAsset,
  kubectlAsset,
  kubectlVersionOfK3sImage,
  linkerdAsset,
  parseChecksumFile,
  parseReleaseAssetDigest,
  releaseBasesFrom,
  releasePlatformOf,
} from './cli-releases.ts';

const meshes = ['istio', 'linkerd'] as const;
type ClusterMeshName = (typeof meshes)[number];

/** GitHub's API takes the workflow's token only where it was issued (not a GHES token at github.com). */
function apiHeaders(url: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
  };
  const onGithubCom = (env.GITHUB_SERVER_URL ?? 'https://github.com') === 'https://github.com';
  if (env.GITHUB_TOKEN && onGithubCom && url.startsWith('https://api.github.com/'))
    headers.authorization = `Bearer ${env.GITHUB_TOKEN}`;
  return headers;
}

async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(ciTimeouts.cliDownloadMs) });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    throw new MeshproofError('MESHPROOF_DOWNLOAD_FAILED', `cannot fetch ${url} (${cause})`, { cause: error });
  }
  if (!response.ok) {
    throw new MeshproofError(
      'MESHPROOF_DOWNLOAD_FAILED',
      `${url} answered HTTP ${response.status}: check the version exists (or the mirror set by MESHPROOF_*_RELEASES)`,
    );
  }
  return Buffer.from(await response.arrayBuffer());
}

/** The SHA-256 the release states for the asset, and where it was read. */
async function expectedSha256(asset: CliAsset, env: NodeJS.ProcessEnv): Promise<string> {
  const source = asset.checksum;
  const text = (
    await fetchBytes(source.url, source.kind === 'release-api' ? apiHeaders(source.url, env) : {})
  ).toString('utf8');
  const hash =
    source.kind === 'file'
      ? parseChecksumFile(text)
      : (() => {
          try {
            return parseReleaseAssetDigest(JSON.parse(text), source.assetName);
          } catch {
            return undefined;
          }
        })();
  if (!hash) {
    throw new MeshproofError(
      'MESHPROOF_CHECKSUM_MISMATCH',
      source.kind === 'file'
        ? `${source.url} holds no SHA-256 for ${asset.tool} ${asset.version}; refusing to install an unchecked binary`
        : `the release ${source.url} states no sha256 digest for ${source.assetName}; refusing to install an unchecked binary`,
    );
  }
  return hash;
}

/** Downloads, checks and installs one CLI as DIR/<tool>; a partial file never takes its place. */
async function install(asset: CliAsset, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const expected = await expectedSha256(asset, env);
  const bytes = await fetchBytes(asset.url);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected) {
    throw new MeshproofError(
      'MESHPROOF_CHECKSUM_MISMATCH',
      `${asset.url} has SHA-256 ${actual}, but its release states ${expected}; not installed (a corrupt download, or a mirror serving something else)`,
    );
  }
  const work = await mkdtemp(join(dir, `.${asset.tool}-`));
  try {
    const target = join(work, asset.tool);
    if (asset.archiveMember) {
      const archive = join(work, 'asset.tar.gz');
      await writeFile(archive, bytes);
      await promisify(execFile)('tar', ['-xzf', archive, '-C', work, asset.archiveMember]).catch((error) => {
        throw new MeshproofError(
          'MESHPROOF_DOWNLOAD_FAILED',
          `${asset.url} is not a .tar.gz holding ${asset.archiveMember}: ${(error as Error).message.split('\n')[0]}`,
          { cause: error },
        );
      });
      if (asset.archiveMember !== asset.tool) await rename(join(work, asset.archiveMember), target);
    } else {
      await writeFile(target, bytes);
    }
    await chmod(target, 0o755);
    await rename(target, join(dir, asset.tool));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.stderr.write(
    `  ${asset.tool} ${asset.version}: sha256 ${actual} as stated by ${asset.checksum.url} → ${join(dir, asset.tool)}\n`,
  );
}

function usage(message: string): MeshproofError {
  return new MeshproofError(
    'MESHPROOF_BAD_FLAG',
    `${message}; usage: node lib/ci/install-clis.ts --mesh istio|linkerd [--version V] [--kubectl-version V] --dir DIR`,
  );
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  let values: { mesh?: string; version?: string; 'kubectl-version'?: string; dir?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        mesh: { type: 'string' },
        version: { type: 'string' },
        'kubectl-version': { type: 'string' },
        dir: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  const mesh = values.mesh as ClusterMeshName;
  if (!meshes.includes(mesh)) throw usage(`--mesh must be istio or linkerd, not ${values.mesh ?? '(none)'}`);
  if (!values.dir) throw usage('--dir is required');
  const platform = releasePlatformOf(process.platform, process.arch);
  if (!platform) {
    throw new MeshproofError(
      'MESHPROOF_UNSUPPORTED_COMBINATION',
      `no CLI releases are built for ${process.platform}/${process.arch}; use a linux or macOS machine on x64 or arm64`,
    );
  }
  const version = values.version?.trim() || versionOf(mesh, env);
  const k3sImage = versionOf('k3sImage', env);
  const kubectlVersion = values['kubectl-version']?.trim() || kubectlVersionOfK3sImage(k3sImage);
  if (!kubectlVersion) {
    throw usage(
      `cannot tell the Kubernetes release of ${k3sImage} (${pinnedVersions.k3sImage.env}): pass --kubectl-version`,
    );
  }
  const dir = resolve(values.dir);
  await mkdir(dir, { recursive: true });
  const bases = releaseBasesFrom(env);
  const meshAsset =
    mesh === 'istio' ? istioctlAsset(version, platform, bases) : linkerdAsset(version, platform, bases);
  process.stderr.write(`installing kubectl ${kubectlVersion} and ${meshAsset.tool} ${version} into ${dir}\n`);
  for (const asset of [kubectlAsset(kubectlVersion, platform, bases), meshAsset])
    await install(asset, dir, env);

  // What a run will check first, so that a CLI it would refuse fails here, naming the CLI.
  process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;
  await requireCli(kubectlRequirement);
  await requireCli(mesh === 'istio' ? istioctlRequirement(version) : linkerdCliRequirement(version));
  process.stdout.write(`${version}\n`);
}

try {
  await main(process.argv.slice(2), process.env);
} catch (error) {
  if (!isMeshproofError(error)) throw error;
  process.stderr.write(`${formatError(error)}\n`);
  process.exitCode = 2;
}

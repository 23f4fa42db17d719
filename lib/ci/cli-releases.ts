/**
 * Where the CLIs a cluster run needs are published, and how each release states its checksum
 * (pure). Read in the projects' release tooling at the pinned versions; see
 * docs/cluster-contract.md, "CLI releases".
 */

/** The CLIs the action installs. */
export type CliTool = 'kubectl' | 'istioctl' | 'linkerd';

/** Operating system and architecture as the release names spell them. */
export interface ReleasePlatform {
  readonly os: 'linux' | 'darwin';
  readonly arch: 'amd64' | 'arm64';
}

/** Where the expected SHA-256 of an asset comes from. */
export type ChecksumSource =
  /** A file next to the asset: kubectl's `kubectl.sha256` (the hash alone), Istio's `<asset>.sha256` (`<hash> <name>`). */
  | { readonly kind: 'file'; readonly url: string }
  /** GitHub's own digest of a release asset (`"digest": "sha256:<hex>"` in the release API), for releases without checksum files. */
  | { readonly kind: 'release-api'; readonly url: string; readonly assetName: string };

/** One CLI binary to fetch, check and install. */
export interface CliAsset {
  readonly tool: CliTool;
  readonly version: string;
  readonly url: string;
  readonly checksum: ChecksumSource;
  /** The binary inside a .tar.gz asset; absent when the asset is the binary itself. */
  readonly archiveMember?: string;
}

/** Base URLs of the releases; each can point at a mirror (environment of the installer). */
export interface ReleaseBases {
  readonly kubectl: string;
  readonly istio: string;
  readonly linkerd: string;
  readonly linkerdApi: string;
}

/** The public release locations (kubernetes/release pkg/consts, istio/istio release/downloadIstioCtl.sh). */
export const defaultReleaseBases: ReleaseBases = {
  kubectl: 'https://dl.k8s.io/release',
  istio: 'https://github.com/istio/istio/releases/download',
  linkerd: 'https://github.com/linkerd/linkerd2/releases/download',
  linkerdApi: 'https://api.github.com/repos/linkerd/linkerd2/releases/tags',
};

/** The environment variables that point the installer at a mirror. */
export const releaseBaseVariables: Readonly<Record<keyof ReleaseBases, string>> = {
  kubectl: 'MESHPROOF_KUBECTL_RELEASES',
  istio: 'MESHPROOF_ISTIO_RELEASES',
  linkerd: 'MESHPROOF_LINKERD_RELEASES',
  linkerdApi: 'MESHPROOF_LINKERD_RELEASE_API',
};

/** The release bases in force: each variable when set, else the public location. */
export function releaseBasesFrom(env: NodeJS.ProcessEnv): ReleaseBases {
  const pick = (key: keyof ReleaseBases) =>
    (env[releaseBaseVariables[key]]?.trim() || defaultReleaseBases[key]).replace(/\/+$/, '');
  return {
    kubectl: pick('kubectl'),
    istio: pick('istio'),
    linkerd: pick('linkerd'),
    linkerdApi: pick('linkerdApi'),
  };
}

/** This machine as release names spell it, or undefined when no release is built for it. */
export function releasePlatformOf(platform: string, arch: string): ReleasePlatform | undefined {
  const os = platform === 'linux' ? 'linux' : platform === 'darwin' ? 'darwin' : undefined;
  const cpu = arch === 'x64' ? 'amd64' : arch === 'arm64' ? 'arm64' : undefined;
  return os && cpu ? { os, arch: cpu } : undefined;
}

/** kubectl of the Kubernetes release in a k3s image tag: `rancher/k3s:v1.36.3-k3s1` → `v1.36.3`. */
export function kubectlVersionOfK3sImage(image: string): string | undefined {
  const release = /:v?(\d+\.\d+\.\d+)(?:-k3s\d+)?$/.exec(image)?.[1];
  return release ? `v${release}` : undefined;
}

/** `<base>/<version>/bin/<os>/<arch>/kubectl`, with `kubectl.sha256` beside it (kubernetes/release pkg/release WriteChecksums). */
export function kubectlAsset(version: string, platform: ReleasePlatform, bases: ReleaseBases): CliAsset {
  const v = version.startsWith('v') ? version : `v${version}`;
  const url = `${bases.kubectl}/${v}/bin/${platform.os}/${platform.arch}/kubectl`;
  return { tool: 'kubectl', version: v, url, checksum: { kind: 'file', url: `${url}.sha256` } };
}

/**
 * `istioctl-<version>-<os>-<arch>.tar.gz` holding `istioctl`, with `<asset>.sha256` beside it
 * (istio/release-builder pkg/build/archive.go createStandaloneIstioctl, pkg/util CreateSha).
 */
export function istioctlAsset(version: string, platform: ReleasePlatform, bases: ReleaseBases): CliAsset {
  const os = platform.os === 'darwin' ? 'osx' : 'linux';
  const url = `${bases.istio}/${version}/istioctl-${version}-${os}-${platform.arch}.tar.gz`;
  return {
    tool: 'istioctl',
    version,
    url,
    checksum: { kind: 'file', url: `${url}.sha256` },
    archiveMember: 'istioctl',
  };
}

/**
 * `linkerd2-cli-<version>-<os>[-<arch>]`, the binary itself (linkerd/linkerd2 cli/Dockerfile).
 * Releases since edge-25.9.4 carry no .sha256 files (linkerd2 #14511), so the expected hash is
 * GitHub's digest of the asset, read from the release API.
 */
export function linkerdAsset(version: string, platform: ReleasePlatform, bases: ReleaseBases): CliAsset {
  const suffix =
    platform.os === 'linux'
      ? `linux-${platform.arch}`
      : platform.arch === 'amd64'
        ? 'darwin'
        : `darwin-${platform.arch}`;
  const assetName = `linkerd2-cli-${version}-${suffix}`;
  return {
    tool: 'linkerd',
    version,
    url: `${bases.linkerd}/${version}/${assetName}`,
    checksum: { kind: 'release-api', url: `${bases.linkerdApi}/${version}`, assetName },
  };
}

const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * The hash in a checksum file: the first word of its first line, as both kubectl's (the hash
 * alone, no newline) and Istio's (`<hash> <name>\n`) are written. Undefined when it is not one.
 */
export function parseChecksumFile(text: string): string | undefined {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return sha256Hex.test(first) ? first : undefined;
}

/** The SHA-256 of `assetName` in a GitHub release API answer (`assets[].digest` = `sha256:<hex>`). */
export function parseReleaseAssetDigest(release: unknown, assetName: string): string | undefined {
  const assets = (release as { assets?: unknown })?.assets;
  if (!Array.isArray(assets)) return undefined;
  const asset = assets.find((a) => (a as { name?: unknown })?.name === assetName) as
    | { digest?: unknown }
    | undefined;
  const digest = typeof asset?.digest === 'string' ? asset.digest.toLowerCase() : '';
  const hex = digest.startsWith('sha256:') ? digest.slice('sha256:'.length) : '';
  return sha256Hex.test(hex) ? hex : undefined;
}

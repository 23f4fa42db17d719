import { terminalText } from '../text/terminal-escape.ts';

/**
 * Known conditions a user can act on, each with what it means and what to do: the README's table
 * of error codes is generated from this record (`make readme-codes`; a test keeps the two equal).
 * Each has a stable code and a one-line message that says what to do; the CLI prints it without
 * a stack trace and exits 2. A code without its meaning here fails to compile where it is used.
 */
export const errorCodeMeanings = {
  MESHPROOF_BAD_FLAG:
    'a flag or its value is wrong (unknown, out of range, malformed): the line says which; see `--help`',
  MESHPROOF_UNKNOWN_MESH: 'no such mesh: use reference, istio, istio-ambient or linkerd',
  MESHPROOF_UNKNOWN_PLATFORM: 'no such platform: use local, k3s or kubeconfig',
  MESHPROOF_UNKNOWN_DEFECT: 'no such defect of the reference mesh: `meshproof defects` lists them',
  MESHPROOF_NO_MATCHING_CHECK: '`--only` selects no check: `meshproof list` shows the check ids',
  MESHPROOF_UNSUPPORTED_COMBINATION:
    'this mesh, platform, flag or value do not go together (the reference mesh on a cluster, a cluster mesh on the local platform): the line says which',
  MESHPROOF_BAD_TIMEOUTS:
    'the `--timeouts` (or `MESHPROOF_TIMEOUTS`) file is unreadable, names a timeout that does not exist, or gives one that is not a positive number of milliseconds',
  MESHPROOF_NODE_MISSING: '(make) no Node.js with npm: install Node.js 22.18+ with npm',
  MESHPROOF_NODE_TOO_OLD:
    'Node older than 22.18, or type stripping turned off: install Node 24, or run through `make`',
  MESHPROOF_HAPROXY_MISSING:
    'the reference mesh needs haproxy 2.6+: `apt-get install haproxy` or `brew install haproxy`',
  MESHPROOF_CHROMIUM_MISSING:
    "(make test) the HTML report's browser tests need Chromium: install it or set MESHPROOF_CHROMIUM",
  MESHPROOF_CI_TOOLS_MISSING: '(make test) the workflow tests need shellcheck and jq: install them',
  MESHPROOF_PORT_IN_USE:
    'a port the local platform wanted is taken: free it, or choose others with `--base-port`',
  MESHPROOF_WORKLOAD_START_FAILED: 'a local workload or sidecar did not start: the line quotes its log',
  MESHPROOF_PROXY_CONFIG_REJECTED:
    'haproxy refused the configuration the reference mesh wrote: a meshproof bug, please report it with the line',
  MESHPROOF_NO_CONTAINER_RUNTIME:
    'k3s needs Docker or Podman and none answers: start one, or use `--platform kubeconfig`',
  MESHPROOF_ROOTLESS_RUNTIME:
    'k3s needs a privileged container, which a rootless runtime cannot give: use a rootful one, or `--platform kubeconfig`',
  MESHPROOF_CLI_MISSING:
    'a CLI the cluster path runs (kubectl, istioctl, linkerd) is not on PATH: install the version the line names',
  MESHPROOF_CLI_VERSION:
    'a CLI is of a version meshproof was not written for: install the version the line names',
  MESHPROOF_CLUSTER_UNREACHABLE:
    'the cluster does not answer: check the kubeconfig, the context and the network',
  MESHPROOF_UNKNOWN_CONTEXT:
    '`--context` is missing or names no context of the kubeconfig: name one explicitly (never guessed)',
  MESHPROOF_FORBIDDEN:
    'the context may not create what a run needs (namespaces, workloads, mesh policies): grant the rights',
  MESHPROOF_NAMESPACE_EXISTS:
    "a namespace the run would create exists and is not this run's: delete it or use another cluster",
  MESHPROOF_MESH_PRECHECK_FAILED:
    "the mesh's own pre-install check refuses the cluster: fix what it reports, or use another cluster",
  MESHPROOF_MESH_INSTALL_FAILED: 'the mesh did not install: the line quotes the failing step',
  MESHPROOF_MESH_ALREADY_INSTALLED:
    'a mesh meshproof did not install is there: use it (`--platform kubeconfig` without `--install-mesh`), or another cluster',
  MESHPROOF_MESH_UNIDENTIFIED:
    'the mesh on the cluster cannot be identified (version, revision, trust domain): the line says what was read',
  MESHPROOF_CRDS_OUT_OF_RANGE:
    "the cluster's CRDs (Gateway API, the mesh's) are not at versions the renderer writes: install the range the line names",
  MESHPROOF_INJECTION_MISSING:
    'the mesh did not enrol the pods it should, or enrolled one it should not: check its injection',
  MESHPROOF_K6_VERSION:
    'the caller pods do not run the k6 the driver was written for: use a k6 v2 image (MESHPROOF_K6_IMAGE)',
  MESHPROOF_PREFLIGHT_FAILED:
    'an assumption of the cluster path does not hold on this cluster (docs/cluster-contract.md): the line names it',
  MESHPROOF_BAD_ENV:
    'an environment variable meshproof reads (pinned versions, identity files) has a bad value: the line says which',
  MESHPROOF_ENVIRONMENT_FAILED:
    'the platform or mesh did not start for a reason its code did not name: the line quotes the cause',
  MESHPROOF_OUTPUT_UNUSABLE:
    'the output folder is a file, a device, under /proc, /sys or /dev, not writable, or holds a folder where `latest` should be a link',
  MESHPROOF_TMPDIR_UNUSABLE: '`TMPDIR` is missing, not a folder or not writable',
  MESHPROOF_REPORT_UNREADABLE:
    'a report given to `diff` (or `--bench`) is missing, not JSON, or does not match its schema',
  MESHPROOF_REPORT_INCOMPATIBLE:
    'a report was written by another meshproof version: compare it with the version that wrote it',
  MESHPROOF_REPORT_PARTIAL:
    "an interrupted run's report given to `diff`: run again, or pass `--allow-partial`",
  MESHPROOF_DOWNLOAD_FAILED: '(CI action) a mesh CLI could not be downloaded: the line names the URL',
  MESHPROOF_CHECKSUM_MISMATCH:
    '(CI action) a downloaded CLI does not match its published checksum: nothing was installed',
} as const satisfies Record<`MESHPROOF_${string}`, string>;

/** The stable codes of {@link MeshproofError}. */
export type ErrorCode = keyof typeof errorCodeMeanings;

/** Every code, in the README's order. */
export const errorCodes = Object.keys(errorCodeMeanings) as ErrorCode[];

/** An error the user can fix; `message` is the one line they see after the code. */
export class MeshproofError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MeshproofError';
    this.code = code;
  }
}

/** True for a MeshproofError, also one that crossed a process or module boundary. */
export function isMeshproofError(error: unknown): error is MeshproofError {
  return (
    error instanceof MeshproofError ||
    (error instanceof Error &&
      typeof (error as { code?: unknown }).code === 'string' &&
      error.name === 'MeshproofError')
  );
}

/**
 * The single line shown to the user (tool output quoted in a message is folded onto it; control
 * characters from a path or a value the user typed are shown, not obeyed, by the terminal).
 */
export function formatError(error: MeshproofError): string {
  return `${error.code}: ${terminalText(error.message.replace(/\s*\n\s*/g, ' '))}`;
}

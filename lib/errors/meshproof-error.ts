import { terminalText } from '../text/terminal-escape.ts';

/**
 * Known conditions a user can act on. Each has a stable code and a one-line message that says
 * what to do; the CLI prints it without a stack trace and exits 2.
 */
export const errorCodes = [
  'MESHPROOF_BAD_FLAG',
  'MESHPROOF_UNKNOWN_MESH',
  'MESHPROOF_UNKNOWN_PLATFORM',
  'MESHPROOF_UNKNOWN_DEFECT',
  'MESHPROOF_NO_MATCHING_CHECK',
  'MESHPROOF_UNSUPPORTED_COMBINATION',
  'MESHPROOF_HAPROXY_MISSING',
  'MESHPROOF_PORT_IN_USE',
  'MESHPROOF_WORKLOAD_START_FAILED',
  'MESHPROOF_PROXY_CONFIG_REJECTED',
  'MESHPROOF_NO_CONTAINER_RUNTIME',
  'MESHPROOF_CLI_MISSING',
  'MESHPROOF_CLI_VERSION',
  'MESHPROOF_CLUSTER_UNREACHABLE',
  'MESHPROOF_UNKNOWN_CONTEXT',
  'MESHPROOF_FORBIDDEN',
  'MESHPROOF_MESH_PRECHECK_FAILED',
  'MESHPROOF_MESH_INSTALL_FAILED',
  'MESHPROOF_REPORT_UNREADABLE',
  'MESHPROOF_REPORT_INCOMPATIBLE',
  'MESHPROOF_INTERRUPTED',
  'MESHPROOF_NODE_TOO_OLD',
  'MESHPROOF_DOWNLOAD_FAILED',
  'MESHPROOF_CHECKSUM_MISMATCH',
  // The cluster path: bad values from the environment, and what the live preflight refuses.
  'MESHPROOF_BAD_ENV',
  'MESHPROOF_ROOTLESS_RUNTIME',
  'MESHPROOF_MESH_ALREADY_INSTALLED',
  'MESHPROOF_MESH_UNIDENTIFIED',
  'MESHPROOF_NAMESPACE_EXISTS',
  'MESHPROOF_CRDS_OUT_OF_RANGE',
  'MESHPROOF_INJECTION_MISSING',
  'MESHPROOF_K6_VERSION',
  'MESHPROOF_PREFLIGHT_FAILED',
  'MESHPROOF_OUTPUT_UNUSABLE',
  'MESHPROOF_TMPDIR_UNUSABLE',
  'MESHPROOF_REPORT_PARTIAL',
  // A platform or mesh that did not start for a reason its code did not name.
  'MESHPROOF_ENVIRONMENT_FAILED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

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

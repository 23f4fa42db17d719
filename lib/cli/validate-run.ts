import { MeshproofError } from '../errors/meshproof-error.ts';
import { parseList, parseText, parseWholeNumber, quoted } from '../flags/flag-values.ts';
import { isReferenceDefect, referenceDefectNames } from '../meshes/reference/defects.ts';
import type { MeshName, PlatformName, Routing } from '../model/index.ts';
import { meshNames, platformNames, routingNames } from '../model/index.ts';

/** Raw options of `meshproof run`, as typed by the user. */
export interface RunFlags {
  readonly mesh?: string;
  readonly platform?: string;
  readonly only?: string;
  readonly defect?: string;
  readonly output?: string;
  readonly basePort?: string;
  readonly context?: string;
  readonly installMesh?: boolean;
  readonly bench?: string;
  readonly routing?: string;
}

/** Options of `meshproof run`, validated. */
export interface RunOptions {
  readonly mesh: MeshName;
  readonly platform: PlatformName;
  readonly only: readonly string[];
  readonly defects: readonly string[];
  readonly output: string;
  readonly basePort?: number;
  /** kubeconfig platform: the context to use (never guessed). */
  readonly context?: string;
  /** kubeconfig platform: install and later remove the mesh. */
  readonly installMesh: boolean;
  /** A benchmark (bench.json or its folder) to show in report.html. */
  readonly bench?: string;
  /** How routes are given to Istio's sidecars (`virtual-service` unless `--routing gateway-api`). */
  readonly routing: Routing;
}

const checkPattern = "check id, dotted prefix (security.mtls) or glob ('traffic.*')";

/** Checks the flags of a run and resolves defaults; every mistake is a coded one-line error. */
export function validateRunFlags(flags: RunFlags): RunOptions {
  const mesh = flags.mesh ?? 'reference';
  if (!(meshNames as readonly string[]).includes(mesh)) {
    throw new MeshproofError(
      'MESHPROOF_UNKNOWN_MESH',
      `unknown mesh "${mesh}"; choose one of ${meshNames.join(', ')} (e.g. --mesh reference)`,
    );
  }
  const platform = flags.platform ?? (mesh === 'reference' ? 'local' : 'k3s');
  if (!(platformNames as readonly string[]).includes(platform)) {
    throw new MeshproofError(
      'MESHPROOF_UNKNOWN_PLATFORM',
      `unknown platform "${platform}"; choose one of ${platformNames.join(', ')}`,
    );
  }
  if ((mesh === 'reference') !== (platform === 'local')) {
    throw new MeshproofError(
      'MESHPROOF_UNSUPPORTED_COMBINATION',
      mesh === 'reference'
        ? `the reference mesh runs on the local platform only; drop --platform ${platform} or use --mesh istio|linkerd`
        : `mesh ${mesh} needs a Kubernetes platform; use --platform k3s or --platform kubeconfig --context NAME`,
    );
  }
  const defects =
    flags.defect === undefined
      ? []
      : parseList(flags.defect, '--defect', 'defect name (see `meshproof defects`)');
  for (const defect of defects) {
    if (mesh !== 'reference') {
      throw new MeshproofError(
        'MESHPROOF_UNKNOWN_DEFECT',
        `defects exist only on the reference mesh; drop --defect ${defect}`,
      );
    }
    if (!isReferenceDefect(defect)) {
      throw new MeshproofError(
        'MESHPROOF_UNKNOWN_DEFECT',
        `unknown defect "${defect}"; list them with \`meshproof defects\` (known: ${referenceDefectNames.join(', ')})`,
      );
    }
  }
  const basePort =
    flags.basePort === undefined ? undefined : parseWholeNumber(flags.basePort, '--base-port', 1024, 65_000);
  if (flags.context !== undefined) parseText(flags.context, '--context', 'a kubeconfig context name');
  if (platform === 'kubeconfig' && !flags.context) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      'an existing cluster is only used with an explicitly named context: add --context NAME (see `kubectl config get-contexts`)',
    );
  }
  if (platform !== 'kubeconfig' && (flags.context || flags.installMesh)) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      '--context and --install-mesh apply to --platform kubeconfig only (an ephemeral k3s always gets the mesh installed)',
    );
  }
  const routing = validateRouting(flags.routing, mesh);
  return {
    mesh: mesh as MeshName,
    routing,
    platform: platform as PlatformName,
    only: flags.only === undefined ? [] : parseList(flags.only, '--only', checkPattern),
    defects,
    output: flags.output === undefined ? 'reports' : parseText(flags.output, '--output', 'a folder'),
    ...(basePort !== undefined ? { basePort } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    installMesh: flags.installMesh === true,
    ...(flags.bench !== undefined
      ? { bench: parseText(flags.bench, '--bench', 'a bench.json or its folder (e.g. reports/latest-bench)') }
      : {}),
  };
}

/**
 * `--routing`: only for Istio's sidecars (ambient always routes with HTTPRoutes; Linkerd and the
 * reference mesh have one way each), and only a known value.
 */
export function validateRouting(value: string | undefined, mesh: string): Routing {
  if (value === undefined) return 'virtual-service';
  const routing = parseText(value, '--routing', `one of ${routingNames.join(', ')}`);
  if (!(routingNames as readonly string[]).includes(routing)) {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      `unknown routing ${quoted(routing)}; choose one of ${routingNames.join(', ')} (e.g. --routing gateway-api)`,
    );
  }
  if (mesh !== 'istio') {
    throw new MeshproofError(
      'MESHPROOF_BAD_FLAG',
      mesh === 'istio-ambient'
        ? '--routing applies to Istio sidecars (--mesh istio) only: istio-ambient always routes with Gateway API HTTPRoutes; drop --routing'
        : `--routing applies to --mesh istio only (mesh ${mesh} has one way to route); drop --routing`,
    );
  }
  return routing as Routing;
}

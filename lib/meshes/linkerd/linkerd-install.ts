import { accessSync, constants, statSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits, type TopologyNames } from '../../model/index.ts';
import type { CliRequirement } from '../../platforms/kubernetes/cli-steps.ts';
import { kube } from '../../platforms/kubernetes/kubernetes-names.ts';
import { diagnosticStep, type LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import type { KubeObject, MeshInjection } from '../../platforms/kubernetes/render-fixtures.ts';
import { defaultTrustDomain } from '../mesh-placement.ts';

/** `linkerd.io/inject: enabled` on the meshed namespace; pods created after it get linkerd-proxy. */
export const linkerdInjection: MeshInjection = {
  labels: {},
  annotations: { 'linkerd.io/inject': 'enabled' },
};

/** `linkerd.io/inject: disabled` keeps the proxy injector away from the unmeshed namespace. */
export const linkerdOptOut: MeshInjection = { labels: {}, annotations: { 'linkerd.io/inject': 'disabled' } };

/** Linkerd's default control plane namespace, and the label every control plane namespace carries. */
export const linkerdNamespace = 'linkerd';
export const linkerdControlPlaneLabel = 'linkerd.io/is-control-plane=true';

/** The manifests a run renders with the linkerd CLI and applies itself, so that it owns exactly them. */
export const linkerdManifestFiles = {
  crds: 'linkerd-crds.yaml',
  controlPlane: 'linkerd-control-plane.yaml',
} as const;

/** The linkerd CLI installs its own release, so it must be the release under test. */
export function linkerdCliRequirement(linkerdVersion: string): CliRequirement {
  return {
    tool: 'linkerd',
    versionArgv: ['linkerd', 'version', '--client', '--short'],
    parse: (output) => /((?:edge|stable|enterprise)-[\w.-]+|\d+\.\d+\.\d+)/.exec(output)?.[1],
    unsuitable: (version) =>
      version === linkerdVersion
        ? undefined
        : `installs Linkerd ${version}, but ${linkerdVersion} is under test: install that CLI or set MESHPROOF_LINKERD_VERSION=${version}`,
    install: `install the linkerd CLI ${linkerdVersion} (https://linkerd.io/2/getting-started/) and put it on PATH`,
  };
}

/** User-supplied identity material instead of the CLI-generated trust anchor and issuer. */
export interface LinkerdIdentityFiles {
  readonly trustAnchors: string;
  readonly issuerCertificate: string;
  readonly issuerKey: string;
}

const identityVariables = {
  trustAnchors: 'MESHPROOF_LINKERD_TRUST_ANCHORS',
  issuerCertificate: 'MESHPROOF_LINKERD_ISSUER_CERT',
  issuerKey: 'MESHPROOF_LINKERD_ISSUER_KEY',
} as const;

/**
 * The identity files from MESHPROOF_LINKERD_TRUST_ANCHORS / _ISSUER_CERT / _ISSUER_KEY: all three
 * or none, each a readable regular file. Refused with a coded error naming the variable, never
 * quoting the file.
 */
export function linkerdIdentityFilesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): LinkerdIdentityFiles | undefined {
  const given = Object.entries(identityVariables).filter(([, variable]) => (env[variable] ?? '') !== '');
  if (given.length === 0) return undefined;
  if (given.length < 3) {
    const missing = Object.values(identityVariables).filter((v) => (env[v] ?? '') === '');
    throw new MeshproofError(
      'MESHPROOF_BAD_ENV',
      `Linkerd identity files need all three of ${Object.values(identityVariables).join(', ')}; missing ${missing.join(', ')}`,
    );
  }
  const files = Object.fromEntries(
    Object.entries(identityVariables).map(([key, variable]) => [
      key,
      readableFile(variable, env[variable] ?? ''),
    ]),
  );
  return files as unknown as LinkerdIdentityFiles;
}

function readableFile(variable: string, path: string): string {
  const problem = (() => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (/[\u0000-\u001f\u007f]/.test(path)) return 'has control characters';
    try {
      if (!statSync(path).isFile()) return 'is not a regular file';
      accessSync(path, constants.R_OK);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    }
  })();
  if (problem) {
    throw new MeshproofError(
      'MESHPROOF_BAD_ENV',
      `${variable} ${problem} (${JSON.stringify(path.slice(0, 80))}): point it at a PEM file, or unset all three identity variables`,
    );
  }
  return path;
}

/**
 * The Gateway API CRDs (standard channel), installed before `linkerd check --pre`, which fails
 * without them since edge-26.7.1 (healthcheck.go, "Gateway API CRDs are installed"). Only on a
 * cluster the run created: on someone's cluster they are cluster-wide objects others rely on.
 */
export function gatewayApiInstallStep(gatewayApiVersion: string): LiveStep {
  return {
    kind: 'cli',
    title: `install the Gateway API CRDs ${gatewayApiVersion}, standard channel (Linkerd needs them before anything else)`,
    argv: [
      'kubectl',
      'apply',
      '--server-side',
      '-f',
      `https://github.com/kubernetes-sigs/gateway-api/releases/download/${gatewayApiVersion}/standard-install.yaml`,
    ],
  };
}

/** `linkerd check --pre`: can the cluster run Linkerd (with the Gateway API CRDs in place). */
export const linkerdPrecheckStep: LiveStep = {
  kind: 'cli',
  title: 'check the cluster can run Linkerd',
  argv: ['linkerd', 'check', '--pre'],
};

/**
 * The CRDs, then the control plane, each rendered to a file by the CLI and applied from it (so
 * the run knows and owns exactly what it applied), then `linkerd check`. The Gateway API CRDs are
 * never Linkerd's (`installGatewayAPI=false`): `linkerd uninstall` deletes what Linkerd installed,
 * and HTTPRoutes of the whole cluster would go with Gateway API CRDs it had installed.
 */
export function linkerdInstallSteps(identity?: LinkerdIdentityFiles): LiveStep[] {
  const identityFlags = identity
    ? [
        '--identity-trust-anchors-file',
        identity.trustAnchors,
        '--identity-issuer-certificate-file',
        identity.issuerCertificate,
        '--identity-issuer-key-file',
        identity.issuerKey,
      ]
    : [];
  const apply = (file: string, title: string): LiveStep => ({
    kind: 'cli',
    title,
    argv: ['kubectl', 'apply', '-f', file],
  });
  return [
    {
      kind: 'cli',
      title: 'render the Linkerd CRDs',
      argv: ['linkerd', 'install', '--crds', '--set', 'installGatewayAPI=false'],
      stdoutFile: linkerdManifestFiles.crds,
    },
    apply(linkerdManifestFiles.crds, 'install the Linkerd CRDs'),
    {
      kind: 'cli',
      title: 'render the control plane',
      argv: ['linkerd', 'install', ...identityFlags],
      stdoutFile: linkerdManifestFiles.controlPlane,
    },
    apply(linkerdManifestFiles.controlPlane, 'install the control plane'),
    {
      kind: 'cli',
      title: 'verify the installation',
      argv: ['linkerd', 'check', '--wait', `${clusterWaits.meshReadinessMs / 60_000}m`],
      timeoutMs: clusterWaits.meshInstallMs,
    },
  ];
}

/** The objects of a manifest the CLI rendered (what a run applied and so owns). */
export function manifestObjects(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object' && typeof o.kind === 'string');
}

/**
 * Captured when a check fails on Linkerd, before its configuration is removed: the inbound policy
 * of each pod on the port the echo listens on (the container port), and the outbound policy of
 * the server Service on its port (linkerd2 cli/cmd/policy.go).
 */
export function linkerdDiagnosticSteps(names: TopologyNames, pods: readonly string[]): LiveStep[] {
  const namespace = names.meshNamespace;
  return [
    diagnosticStep('linkerd check --proxy', ['linkerd', 'check', '--proxy', '-n', namespace]),
    diagnosticStep('outbound policy of the server Service', [
      'linkerd',
      'diagnostics',
      'policy',
      '-n',
      namespace,
      'svc/server',
      String(kube.servicePort),
    ]),
    ...pods.flatMap((pod): LiveStep[] => [
      diagnosticStep(`inbound policy of ${pod}`, [
        'linkerd',
        'diagnostics',
        'policy',
        '-n',
        namespace,
        `po/${pod}`,
        String(kube.containerPort),
      ]),
      diagnosticStep(`${pod}'s proxy metrics`, [
        'linkerd',
        'diagnostics',
        'proxy-metrics',
        '-n',
        namespace,
        `po/${pod}`,
      ]),
    ]),
    diagnosticStep('traffic by deployment (linkerd viz, when installed)', [
      'linkerd',
      'viz',
      'stat',
      'deploy',
      '-n',
      namespace,
    ]),
  ];
}

/** The release and trust domain in `linkerd-config` (`data.values`: linkerdVersion, identityTrustDomain). */
export function linkerdConfigFacts(values: string | undefined): { version?: string; trustDomain: string } {
  const parsed = values
    ? (parse(values) as {
        linkerdVersion?: unknown;
        identityTrustDomain?: unknown;
        clusterDomain?: unknown;
      } | null)
    : null;
  const domain = [parsed?.identityTrustDomain, parsed?.clusterDomain].find(
    (d): d is string => typeof d === 'string' && d.length > 0,
  );
  return {
    ...(typeof parsed?.linkerdVersion === 'string' ? { version: parsed.linkerdVersion } : {}),
    trustDomain: domain ?? defaultTrustDomain,
  };
}

/** A Gateway API bundle version (`v1.5.1`) compared with another: negative when older. */
export function compareBundleVersions(a: string, b: string): number {
  const parts = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1).map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The oldest Gateway API bundle whose HTTPRoute has `rules[].timeouts` in the standard channel. */
export const minimumGatewayApi = 'v1.2.1';

/**
 * Why a cluster's Gateway API CRDs cannot carry the routes meshproof renders for Linkerd (read
 * from the bundle annotations `gateway.networking.k8s.io/bundle-version` and `/channel`), or
 * undefined when they can.
 */
export function gatewayApiProblem(
  crd: { served: string[]; annotations: Record<string, string> } | undefined,
): string | undefined {
  if (!crd) {
    return `the Gateway API CRDs are not installed: install them (standard channel ${minimumGatewayApi} or later), e.g. kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml`;
  }
  const version = crd.annotations['gateway.networking.k8s.io/bundle-version'];
  const channel = crd.annotations['gateway.networking.k8s.io/channel'] ?? 'unknown';
  if (!crd.served.includes('v1'))
    return `the HTTPRoute CRD does not serve v1 (served: ${crd.served.join(', ')})`;
  if (!version)
    return 'the HTTPRoute CRD has no gateway.networking.k8s.io/bundle-version annotation: its version cannot be told';
  if (compareBundleVersions(version, minimumGatewayApi) < 0) {
    return `the Gateway API CRDs are ${version} (${channel} channel), older than ${minimumGatewayApi}: route timeouts would be dropped silently; upgrade them`;
  }
  return undefined;
}

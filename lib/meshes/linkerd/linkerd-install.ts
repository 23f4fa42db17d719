import type { CliRequirement, CliStep } from '../../platforms/kubernetes/cli-steps.ts';
import type { MeshInjection } from '../../platforms/kubernetes/render-fixtures.ts';

/** `linkerd.io/inject: enabled` on the meshed namespace; pods created after it get linkerd-proxy. */
export const linkerdInjection: MeshInjection = {
  labels: {},
  annotations: { 'linkerd.io/inject': 'enabled' },
};

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

/** Where the identity files come from: MESHPROOF_LINKERD_TRUST_ANCHORS / _ISSUER_CERT / _ISSUER_KEY. */
export function linkerdIdentityFilesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): LinkerdIdentityFiles | undefined {
  const trustAnchors = env.MESHPROOF_LINKERD_TRUST_ANCHORS;
  const issuerCertificate = env.MESHPROOF_LINKERD_ISSUER_CERT;
  const issuerKey = env.MESHPROOF_LINKERD_ISSUER_KEY;
  return trustAnchors && issuerCertificate && issuerKey
    ? { trustAnchors, issuerCertificate, issuerKey }
    : undefined;
}

const apply = ['kubectl', 'apply', '-f', '-'];

/**
 * CRDs (with the Gateway API CRDs when the cluster has none: recent editions need them), the
 * control plane, then `linkerd check`. Without identity files the CLI generates the trust
 * anchor and issuer itself.
 */
export function linkerdInstallSteps(
  cluster: { readonly gatewayApiCrds: boolean },
  identity?: LinkerdIdentityFiles,
): CliStep[] {
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
  return [
    {
      title: `install the Linkerd CRDs${cluster.gatewayApiCrds ? '' : ' and the Gateway API CRDs'}`,
      argv: ['linkerd', 'install', '--crds', '--set', `installGatewayAPI=${!cluster.gatewayApiCrds}`],
      pipeInto: apply,
    },
    { title: 'install the control plane', argv: ['linkerd', 'install', ...identityFlags], pipeInto: apply },
    { title: 'verify the installation', argv: ['linkerd', 'check', '--wait', '5m'] },
  ];
}

/** Upgrade in place to the CLI's release, for later use by upgrade checks. */
export function linkerdUpgradeSteps(): CliStep[] {
  return [
    { title: 'upgrade the CRDs', argv: ['linkerd', 'upgrade', '--crds'], pipeInto: apply },
    { title: 'upgrade the control plane', argv: ['linkerd', 'upgrade'], pipeInto: apply },
    {
      title: 'prune what the new release no longer has',
      argv: ['linkerd', 'prune'],
      pipeInto: ['kubectl', 'delete', '-f', '-'],
    },
    { title: 'verify', argv: ['linkerd', 'check', '--wait', '5m'] },
  ];
}

export function linkerdUninstallSteps(): CliStep[] {
  return [
    {
      title: 'remove Linkerd',
      argv: ['linkerd', 'uninstall'],
      pipeInto: ['kubectl', 'delete', '--ignore-not-found', '-f', '-'],
      tolerateFailure: true,
    },
  ];
}

/** Captured when a check fails on Linkerd, before its configuration is removed. */
export function linkerdDiagnosticSteps(namespace: string, pods: readonly string[]): CliStep[] {
  return [
    {
      title: 'linkerd check --proxy',
      argv: ['linkerd', 'check', '--proxy', '-n', namespace],
      tolerateFailure: true,
    },
    ...pods.flatMap((pod) => [
      {
        title: `policy seen by ${pod}'s proxy`,
        argv: ['linkerd', 'diagnostics', 'policy', '-n', namespace, `po/${pod}`, '80'],
        tolerateFailure: true,
      },
      {
        title: `${pod}'s proxy metrics`,
        argv: ['linkerd', 'diagnostics', 'proxy-metrics', '-n', namespace, `po/${pod}`],
        tolerateFailure: true,
      },
    ]),
    {
      title: 'traffic by deployment (linkerd viz, when installed)',
      argv: ['linkerd', 'viz', 'stat', 'deploy', '-n', namespace],
      tolerateFailure: true,
    },
  ];
}

/** The Linkerd release running in a cluster, from the destination controller's image tag. */
export function linkerdVersionFromImage(image: string): string | undefined {
  return /:((?:edge|stable|enterprise)-[\w.-]+|v?\d+\.\d+\.\d+)/.exec(image)?.[1];
}

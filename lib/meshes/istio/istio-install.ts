import type { CliRequirement, CliStep } from '../../platforms/kubernetes/cli-steps.ts';
import { compareVersions } from '../../platforms/kubernetes/cli-steps.ts';
import type { MeshInjection } from '../../platforms/kubernetes/render-fixtures.ts';

/** `istio-injection=enabled` on the meshed namespace; pods created after it get a sidecar. */
export const istioInjection: MeshInjection = { labels: { 'istio-injection': 'enabled' }, annotations: {} };

const minorOf = (version: string) => version.split('.').slice(0, 2).join('.');

/** istioctl installs its own release, so its minor version must be the one under test. */
export function istioctlRequirement(istioVersion: string): CliRequirement {
  return {
    tool: 'istioctl',
    versionArgv: ['istioctl', 'version', '--remote=false'],
    parse: (output) => /(\d+\.\d+\.\d+)/.exec(output)?.[1],
    unsuitable: (version) =>
      minorOf(version) === minorOf(istioVersion)
        ? undefined
        : `installs Istio ${minorOf(version)}, but ${istioVersion} is under test: install istioctl ${istioVersion} (curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${istioVersion} sh -) or set MESHPROOF_ISTIO_VERSION=${version}`,
    install: `install istioctl ${istioVersion} (curl -L https://istio.io/downloadIstio | ISTIO_VERSION=${istioVersion} sh -) and put istio-${istioVersion}/bin on PATH`,
  };
}

/**
 * Install and verify (pure). `istioctl verify-install` was removed in 1.24; from then on
 * `install --verify` checks the control plane after installing.
 */
export function istioInstallSteps(istioVersion: string): CliStep[] {
  const verifyInline = compareVersions(istioVersion, '1.24.0') >= 0;
  return [
    { title: 'check the cluster can run Istio', argv: ['istioctl', 'x', 'precheck'] },
    {
      title: `install Istio ${istioVersion} (minimal profile: istiod only)`,
      argv: [
        'istioctl',
        'install',
        '--set',
        'profile=minimal',
        '--readiness-timeout',
        '300s',
        '-y',
        ...(verifyInline ? ['--verify'] : []),
      ],
    },
    ...(verifyInline
      ? []
      : [{ title: 'verify the installation', argv: ['istioctl', 'verify-install'] } satisfies CliStep]),
  ];
}

/** Removal, for clusters meshproof installed Istio on. */
export function istioUninstallSteps(): CliStep[] {
  return [
    { title: 'remove Istio', argv: ['istioctl', 'uninstall', '--purge', '-y'], tolerateFailure: true },
    {
      title: 'remove its namespace',
      argv: ['kubectl', 'delete', 'namespace', 'istio-system', '--ignore-not-found', '--wait=false'],
      tolerateFailure: true,
    },
  ];
}

/** What is captured when a check fails on Istio, before its configuration is removed. */
export function istioDiagnosticSteps(namespace: string, pods: readonly string[]): CliStep[] {
  return [
    { title: 'istioctl analyze', argv: ['istioctl', 'analyze', '-n', namespace], tolerateFailure: true },
    ...pods.flatMap((pod) => [
      {
        title: `routes seen by ${pod}'s sidecar`,
        argv: ['istioctl', 'proxy-config', 'routes', `${pod}.${namespace}`, '-o', 'json'],
        tolerateFailure: true,
      },
      {
        title: `clusters seen by ${pod}'s sidecar`,
        argv: ['istioctl', 'proxy-config', 'clusters', `${pod}.${namespace}`],
        tolerateFailure: true,
      },
    ]),
  ];
}

/** The Istio version running in a cluster, read from istiod's image tag (`…/pilot:1.30.3`). */
export function istioVersionFromImage(image: string): string | undefined {
  return /:(\d+\.\d+\.\d+[^@]*)/.exec(image)?.[1];
}

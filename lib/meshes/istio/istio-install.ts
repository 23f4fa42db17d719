import { parse } from 'yaml';
import { clusterWaits, type TopologyNames } from '../../model/index.ts';
import type { CliRequirement } from '../../platforms/kubernetes/cli-steps.ts';
import { runToken } from '../../platforms/kubernetes/kubernetes-names.ts';
import { diagnosticStep, type LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import type { MeshInjection } from '../../platforms/kubernetes/render-fixtures.ts';
import { defaultTrustDomain } from '../mesh-placement.ts';
import { ambientNamespaceLabels, waypointName } from './render-istio-ambient.ts';

/** The namespace istioctl installs the control plane into. */
export const istioNamespace = 'istio-system';

/**
 * The revision a run installs Istio under: `meshproof-<run>`, a DNS label of its own, so that
 * uninstalling removes exactly this control plane (`istioctl uninstall --revision`).
 */
export function istioRevisionFor(runId: string): string {
  return `meshproof-${runToken(runId)}`;
}

/**
 * Injection by revision: `istio.io/rev=<revision>` on the namespace (and no `istio-injection`
 * label, which would take precedence). The revision's webhook selects it; this also works for an
 * install without revision, whose webhook answers `istio.io/rev=default`
 * (istio `manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml`).
 */
export function istioInjection(revision: string): MeshInjection {
  return { labels: { 'istio.io/rev': revision }, annotations: {} };
}

/** `istio-injection=disabled` matches none of Istio's injection webhooks, whatever is enabled by default. */
export const istioOptOut: MeshInjection = { labels: { 'istio-injection': 'disabled' }, annotations: {} };

/**
 * Ambient enrolment of the meshed namespace: `istio.io/dataplane-mode=ambient` (istio-cni's
 * enablement selector, manifests/charts/istio-cni/values.yaml), its Services bound to the run's
 * waypoint (`istio.io/use-waypoint`), and `istio-injection=disabled` so that no sidecar injector
 * takes its pods (a pod with a sidecar is not captured: cni/pkg/util/podutil.go). No `istio.io/rev`:
 * it would select the revision's sidecar injector; the waypoint Gateway names the revision itself.
 */
export const ambientInjection: MeshInjection = {
  labels: { ...ambientNamespaceLabels, 'istio-injection': 'disabled' },
  annotations: {},
};

/** The outside namespace: neither captured by ztunnel nor injected. */
export const ambientOptOut: MeshInjection = {
  labels: { 'istio.io/dataplane-mode': 'none', 'istio-injection': 'disabled' },
  annotations: {},
};

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

/** `istioctl x precheck` (it fails on any warning: the cluster cannot run Istio as it is). */
export function istioPrecheckSteps(): LiveStep[] {
  return [{ kind: 'cli', title: 'check the cluster can run Istio', argv: ['istioctl', 'x', 'precheck'] }];
}

/**
 * Install under the run's revision, then wait for its istiod. `--verify` is not passed: since
 * 1.24 istioctl reads it nowhere (operator/cmd/mesh/install.go). istioctl waits up to
 * `--readiness-timeout` for each component (base, then istiod), so the step may take two of those.
 */
export function istioInstallSteps(istioVersion: string, revision: string): LiveStep[] {
  return installUnderRevision(revision, {
    title: `install Istio ${istioVersion} as revision ${revision} (minimal profile: istiod only)`,
    sets: ['profile=minimal'],
    timeoutMs: clusterWaits.meshInstallMs,
  });
}

/**
 * Ambient under the run's revision: the `ambient` profile (istiod, istio-cni, ztunnel:
 * manifests/profiles/ambient.yaml), on k3s with `values.global.platform=k3s`, which points
 * istio-cni at k3s's CNI folders (manifests/helm-profiles/platform-k3s.yaml). istioctl waits for
 * each component, DaemonSets included (operator/pkg/install/wait.go), so the step may take four
 * readiness waits.
 */
export function istioAmbientInstallSteps(
  istioVersion: string,
  revision: string,
  platform: 'k3s' | undefined,
): LiveStep[] {
  return installUnderRevision(revision, {
    title: `install Istio ${istioVersion} ambient as revision ${revision} (istiod, istio-cni, ztunnel)${platform ? ` for ${platform}` : ''}`,
    sets: ['profile=ambient', ...(platform ? [`values.global.platform=${platform}`] : [])],
    timeoutMs: clusterWaits.ambientInstallMs,
  });
}

/** `istioctl install --revision R --set …`, then the wait for `istiod-R`. */
function installUnderRevision(
  revision: string,
  install: { readonly title: string; readonly sets: readonly string[]; readonly timeoutMs: number },
): LiveStep[] {
  return [
    {
      kind: 'cli',
      title: install.title,
      argv: [
        'istioctl',
        'install',
        '--revision',
        revision,
        ...install.sets.flatMap((set) => ['--set', set]),
        '--readiness-timeout',
        `${clusterWaits.meshReadinessMs / 1000}s`,
        '-y',
      ],
      timeoutMs: install.timeoutMs,
    },
    {
      kind: 'rollout',
      title: `wait until istiod-${revision} serves`,
      deployments: [{ namespace: istioNamespace, name: `istiod-${revision}` }],
      timeoutMs: clusterWaits.meshReadinessMs,
    },
  ];
}

/** Removes exactly the run's revision (never `--purge`, which removes every revision and the CRDs). */
export function istioUninstallSteps(revision: string): LiveStep[] {
  return [
    {
      kind: 'cli',
      title: `remove the Istio revision ${revision} (only this run's control plane)`,
      argv: ['istioctl', 'uninstall', '--revision', revision, '-y'],
      tolerateFailure: true,
    },
  ];
}

/** What is captured when a check fails on Istio, before its configuration is removed. */
export function istioDiagnosticSteps(names: TopologyNames, pods: readonly string[]): LiveStep[] {
  const namespace = names.meshNamespace;
  return [
    diagnosticStep('istioctl analyze', ['istioctl', 'analyze', '-n', namespace]),
    ...pods.flatMap((pod): LiveStep[] => [
      diagnosticStep(`routes seen by ${pod}'s sidecar`, [
        'istioctl',
        'proxy-config',
        'routes',
        `${pod}.${namespace}`,
        '-o',
        'json',
      ]),
      diagnosticStep(`clusters seen by ${pod}'s sidecar`, [
        'istioctl',
        'proxy-config',
        'clusters',
        `${pod}.${namespace}`,
      ]),
    ]),
  ];
}

/**
 * What is captured when a check fails on Istio ambient, before its configuration is removed: the
 * workloads and policies ztunnel knows, the waypoint's routes and clusters, and both proxies' logs.
 */
export function istioAmbientDiagnosticSteps(names: TopologyNames, _pods: readonly string[]): LiveStep[] {
  const namespace = names.meshNamespace;
  const waypoint = `deploy/${waypointName}.${namespace}`;
  return [
    diagnosticStep('istioctl analyze', ['istioctl', 'analyze', '-n', namespace]),
    diagnosticStep('workloads ztunnel knows', [
      'istioctl',
      'ztunnel-config',
      'workloads',
      '-n',
      istioNamespace,
    ]),
    diagnosticStep('policies ztunnel enforces', [
      'istioctl',
      'ztunnel-config',
      'policies',
      '-n',
      istioNamespace,
    ]),
    diagnosticStep('routes seen by the waypoint', [
      'istioctl',
      'proxy-config',
      'routes',
      waypoint,
      '-o',
      'json',
    ]),
    diagnosticStep('clusters seen by the waypoint', ['istioctl', 'proxy-config', 'clusters', waypoint]),
    diagnosticStep('ztunnel log (last lines)', [
      'kubectl',
      'logs',
      '-n',
      istioNamespace,
      '-l',
      'app=ztunnel',
      '--tail=200',
    ]),
    diagnosticStep('waypoint log (last lines)', [
      'kubectl',
      'logs',
      '-n',
      namespace,
      `deploy/${waypointName}`,
      '--tail=200',
    ]),
  ];
}

/**
 * The release istiod reports on its monitoring port: `GET :15014/version` answers
 * `<version>-<git revision>-<build status>` (pilot/pkg/bootstrap/monitoring.go, pkg/version).
 */
export function istioVersionFromVersionPath(body: string): string | undefined {
  const match = /^\s*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+?)?)-(?:[0-9a-f]{7,40}|unknown)-\w+\s*$/.exec(body);
  return match?.[1];
}

/** The trust domain of a mesh config (`data.mesh` of the `istio[-<rev>]` ConfigMap); Istio's default when unset. */
export function istioTrustDomainOf(meshConfig: string | undefined): string {
  const parsed = meshConfig ? (parse(meshConfig) as { trustDomain?: unknown } | null) : null;
  return typeof parsed?.trustDomain === 'string' && parsed.trustDomain.length > 0
    ? parsed.trustDomain
    : defaultTrustDomain;
}

/** The mesh config ConfigMap of a revision: `istio` for the default one, else `istio-<rev>`. */
export function istioMeshConfigName(revision: string): string {
  return revision === 'default' ? 'istio' : `istio-${revision}`;
}

import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits, type Routing } from '../../model/index.ts';
import { sidecarEnrolmentSteps } from '../../platforms/kubernetes/enrolment-steps.ts';
import { kube } from '../../platforms/kubernetes/kubernetes-names.ts';
import type { LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import type { OwnedObject } from '../../platforms/kubernetes/ownership.ts';
import { versionOf } from '../../versions.ts';
import type { ClusterMesh, FoundMesh, InstallContext } from '../cluster-mesh.ts';
import { istioAmbientDataPlane } from '../data-plane.ts';
import { defaultTrustDomain } from '../mesh-placement.ts';
import { ambientEnrolmentSteps, gatewayClassCreatedStep } from './ambient-steps.ts';
import type { IstioMode } from './capabilities.ts';
import { istioMeshAdapter } from './istio-adapter.ts';
import { istioGatewayApiInstallStep, requireIstioGatewayApi } from './istio-gateway-api-crds.ts';
import {
  ambientInjection,
  ambientOptOut,
  istioAmbientDiagnosticSteps,
  istioAmbientInstallSteps,
  istioctlRequirement,
  istioDiagnosticSteps,
  istioInjection,
  istioInstallSteps,
  istioMeshConfigName,
  istioNamespace,
  istioOptOut,
  istioPrecheckSteps,
  istioRevisionFor,
  istioTrustDomainOf,
  istioUninstallSteps,
  istioVersionFromVersionPath,
} from './istio-install.ts';
import { istioMetricsStep, readIstioMetrics } from './istio-metrics.ts';
import { renderWaypointGateway, waypointName } from './render-istio-ambient.ts';

/** istiod's monitoring port, which serves `/version` (pilot/pkg/bootstrap/monitoring.go). */
const istiodMonitoringPort = 15014;

/** Cluster-scoped kinds istioctl creates, each labelled `istio.io/rev=<revision>` (operator/pkg/install). */
const clusterScopedKinds = [
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
  ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'],
  ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
] as const;

/**
 * The revision to use on a cluster whose Istio the run did not install: the only one there, or
 * the one MESHPROOF_ISTIO_REVISION names. Several without a choice is a coded error.
 */
export function chooseIstioRevision(
  revisions: readonly string[],
  wanted: string | undefined = process.env.MESHPROOF_ISTIO_REVISION,
): string {
  const unique = [...new Set(revisions)].sort();
  if (wanted) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(wanted) || wanted.length > 63) {
      throw new MeshproofError(
        'MESHPROOF_BAD_ENV',
        `MESHPROOF_ISTIO_REVISION=${JSON.stringify(wanted.slice(0, 63))} is not a revision name (a DNS label)`,
      );
    }
    if (!unique.includes(wanted)) {
      throw new MeshproofError(
        'MESHPROOF_MESH_UNIDENTIFIED',
        `Istio revision ${wanted} (MESHPROOF_ISTIO_REVISION) is not on the cluster; found: ${unique.join(', ') || 'none'}`,
      );
    }
    return wanted;
  }
  const [only, ...others] = unique;
  if (!only) throw new Error('no Istio revision');
  if (others.length > 0) {
    throw new MeshproofError(
      'MESHPROOF_MESH_UNIDENTIFIED',
      `the cluster runs several Istio revisions (${unique.join(', ')}): choose one with MESHPROOF_ISTIO_REVISION=<revision>`,
    );
  }
  return only;
}

/** Istio with sidecars, as the Kubernetes platform drives it: injection by revision label, routes as VirtualServices or HTTPRoutes. */
export function istioClusterMesh(version: string, routing: Routing = 'virtual-service'): ClusterMesh {
  return istioFamilyClusterMesh(version, routing === 'gateway-api' ? 'sidecar-gateway-api' : 'sidecar');
}

/** Istio ambient, as the Kubernetes platform drives it: the ambient profile, namespaces enrolled by label, a waypoint of the run's own. */
export function istioAmbientClusterMesh(version: string): ClusterMesh {
  return istioFamilyClusterMesh(version, 'ambient');
}

/** Is a GatewayClass one istiod created (its controller is Istio's)? */
const isIstioGatewayClass = (object: Record<string, unknown>) =>
  String((object.spec as { controllerName?: unknown } | undefined)?.controllerName ?? '').startsWith(
    'istio.io/',
  );

/**
 * Istio in one of its modes: istioctl, a revision of the run's own, and what differs by mode (the
 * profile, how namespaces are marked, the Gateway API CRDs the routes need, the waypoint).
 */
function istioFamilyClusterMesh(version: string, mode: IstioMode): ClusterMesh {
  const ownRevision = (context: InstallContext) => istioRevisionFor(context.runId);
  const ambient = mode === 'ambient';
  const gatewayApi = mode !== 'sidecar';
  return {
    name: ambient ? 'istio-ambient' : 'istio',
    mode: ambient ? 'istio-ambient' : gatewayApi ? 'istio/gateway-api' : 'istio',
    version,
    dataPlane: (found, names) =>
      ambient
        ? istioAmbientDataPlane({
            ztunnelNamespace: found.controlPlaneNamespace,
            waypoint: { namespace: names.meshNamespace, gateway: waypointName },
          })
        : { kind: 'sidecars', container: 'istio-proxy' },
    // Ambient has no sidecar to scrape (its request metrics are the waypoint's: contract M6).
    ...(ambient ? {} : { metrics: { step: istioMetricsStep, read: readIstioMetrics } }),
    cliRequirements: [istioctlRequirement(version)],
    adapter: (found, names) => istioMeshAdapter({ names, trustDomain: found.trustDomain }, mode),
    async presence(client) {
      const crds = await client.crdNames('istio.io');
      const planes = await client.deployments('app=istiod');
      const classes = (await client.list('gateway.networking.k8s.io/v1', 'GatewayClass')).filter(
        isIstioGatewayClass,
      );
      return [
        ...planes.map(
          (d) => `istiod ${d.namespace}/${d.name} (revision ${d.labels['istio.io/rev'] ?? 'default'})`,
        ),
        ...(crds.length > 0 ? [`${crds.length} Istio CRDs (${crds.slice(0, 3).join(', ')}…)`] : []),
        ...classes.map((c) => `GatewayClass ${c.metadata.name} of an Istio controller`),
      ];
    },
    async detect(client, context) {
      const planes = await client.deployments('app=istiod');
      if (planes.length === 0) return undefined;
      const revisions = planes.map((d) => d.labels['istio.io/rev'] ?? 'default');
      const own = ownRevision(context);
      const revision = revisions.includes(own) ? own : chooseIstioRevision(revisions);
      const plane = planes.find((d) => (d.labels['istio.io/rev'] ?? 'default') === revision);
      const namespace = plane?.namespace ?? istioNamespace;
      const [pod] = await client.podNames(namespace, `app=istiod,istio.io/rev=${revision}`);
      if (!pod) {
        throw new MeshproofError(
          'MESHPROOF_MESH_UNIDENTIFIED',
          `istiod of revision ${revision} has no serving pod in ${namespace}: wait for it, or check \`kubectl get pods -n ${namespace}\``,
        );
      }
      const body = await client
        .podProxyGet(namespace, pod, istiodMonitoringPort, '/version')
        .catch((e: Error) => {
          throw new MeshproofError(
            'MESHPROOF_MESH_UNIDENTIFIED',
            `cannot read istiod's version (GET pods/${pod}:${istiodMonitoringPort}/proxy/version in ${namespace}: ${e.message}); the context needs get on pods/proxy there`,
          );
        });
      const found = istioVersionFromVersionPath(body);
      if (!found) {
        throw new MeshproofError(
          'MESHPROOF_MESH_UNIDENTIFIED',
          `istiod ${namespace}/${pod} answered /version with ${JSON.stringify(body.slice(0, 80))}, not <version>-<revision>-<status>`,
        );
      }
      const meshConfig = await client.configMap(namespace, istioMeshConfigName(revision));
      return {
        version: found,
        revision,
        trustDomain: istioTrustDomainOf(meshConfig?.mesh),
        controlPlaneNamespace: namespace,
      };
    },
    expected: (context) => ({
      version,
      revision: ownRevision(context),
      trustDomain: defaultTrustDomain,
      controlPlaneNamespace: istioNamespace,
    }),
    precheckSteps: (context) => [
      // The routes are HTTPRoutes (and the waypoint a Gateway): their CRDs come first.
      ...(gatewayApi && context.clusterCreatedByRun
        ? [istioGatewayApiInstallStep(versionOf('gatewayApi'))]
        : []),
      ...istioPrecheckSteps(),
    ],
    installSteps: (context): LiveStep[] => {
      if (!ambient) {
        return [
          ...istioInstallSteps(version, ownRevision(context)),
          ...(gatewayApi ? [gatewayClassCreatedStep('istio')] : []),
        ];
      }
      return [
        // The k3s platform settings (CNI paths) only where the run knows the cluster is k3s: its own.
        ...istioAmbientInstallSteps(
          version,
          ownRevision(context),
          context.clusterCreatedByRun ? 'k3s' : undefined,
        ),
        gatewayClassCreatedStep('istio-waypoint'),
      ];
    },
    async installedObjects(client, context) {
      const selector = `istio.io/rev=${ownRevision(context)}`;
      const owned: OwnedObject[] = [];
      for (const [apiVersion, kind] of clusterScopedKinds) {
        for (const object of await client.list(apiVersion, kind, selector)) {
          owned.push({ apiVersion, kind, name: object.metadata.name, uid: uidOf(object) });
        }
      }
      // Nothing of Istio was on the cluster (the run refuses to install over it): its namespace,
      // the root-certificate ConfigMaps istiod writes into namespaces and the GatewayClasses it
      // creates are the run's too.
      for (const gatewayClass of await client.list('gateway.networking.k8s.io/v1', 'GatewayClass')) {
        if (!isIstioGatewayClass(gatewayClass)) continue;
        owned.push({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'GatewayClass',
          name: gatewayClass.metadata.name,
          uid: uidOf(gatewayClass),
        });
      }
      for (const ns of await client.list('v1', 'Namespace')) {
        if (ns.metadata.name === istioNamespace)
          owned.push({ apiVersion: 'v1', kind: 'Namespace', name: istioNamespace, uid: uidOf(ns) });
      }
      return owned;
    },
    uninstallSteps: (context) => [
      ...istioUninstallSteps(ownRevision(context)),
      {
        kind: 'cli',
        title: "remove the root-certificate ConfigMaps this run's istiod wrote into namespaces",
        argv: ['kubectl', 'delete', 'configmap', '-A', '-l', 'istio.io/config=true', '--ignore-not-found'],
        tolerateFailure: true,
        timeoutMs: clusterWaits.meshReadinessMs,
      },
    ],
    requireCluster: async (client) => {
      if (gatewayApi) await requireIstioGatewayApi(client);
    },
    injection: (found: FoundMesh) =>
      ambient ? ambientInjection : istioInjection(found.revision ?? 'default'),
    optOut: ambient ? ambientOptOut : istioOptOut,
    meshFixtures: (found, names, runId) =>
      ambient ? [renderWaypointGateway(names, found.revision ?? 'default', { [kube.runLabel]: runId })] : [],
    enrolmentSteps: (names) =>
      ambient ? ambientEnrolmentSteps(names) : sidecarEnrolmentSteps('istio', 'istio-proxy', names),
    diagnosticSteps: ambient ? istioAmbientDiagnosticSteps : istioDiagnosticSteps,
    // Istio injects every fault itself; no extra backends.
    extraServers: () => [],
  };
}

function uidOf(object: { metadata: Record<string, unknown> }): string {
  return typeof object.metadata.uid === 'string' ? object.metadata.uid : '';
}

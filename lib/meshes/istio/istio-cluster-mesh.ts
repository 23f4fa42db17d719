import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits } from '../../model/index.ts';
import type { OwnedObject } from '../../platforms/kubernetes/ownership.ts';
import type { ClusterMesh, FoundMesh, InstallContext } from '../cluster-mesh.ts';
import { defaultTrustDomain } from '../mesh-placement.ts';
import { istioMeshAdapter } from './istio-adapter.ts';
import {
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

/** Istio as the Kubernetes platform drives it: istioctl, a revision of its own, injection by revision label. */
export function istioClusterMesh(version: string): ClusterMesh {
  const ownRevision = (context: InstallContext) => istioRevisionFor(context.runId);
  return {
    name: 'istio',
    version,
    proxyContainer: 'istio-proxy',
    cliRequirements: [istioctlRequirement(version)],
    adapter: (found, names) => istioMeshAdapter({ names, trustDomain: found.trustDomain }),
    async presence(client) {
      const crds = await client.crdNames('istio.io');
      const planes = await client.deployments('app=istiod');
      return [
        ...planes.map(
          (d) => `istiod ${d.namespace}/${d.name} (revision ${d.labels['istio.io/rev'] ?? 'default'})`,
        ),
        ...(crds.length > 0 ? [`${crds.length} Istio CRDs (${crds.slice(0, 3).join(', ')}…)`] : []),
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
    precheckSteps: () => istioPrecheckSteps(),
    installSteps: (context) => istioInstallSteps(version, ownRevision(context)),
    async installedObjects(client, context) {
      const selector = `istio.io/rev=${ownRevision(context)}`;
      const owned: OwnedObject[] = [];
      for (const [apiVersion, kind] of clusterScopedKinds) {
        for (const object of await client.list(apiVersion, kind, selector)) {
          owned.push({ apiVersion, kind, name: object.metadata.name, uid: uidOf(object) });
        }
      }
      // Nothing of Istio was on the cluster (the run refuses to install over it): its namespace,
      // and the root-certificate ConfigMaps istiod writes into namespaces, are the run's too.
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
    requireCluster: async () => undefined,
    injection: (found: FoundMesh) => istioInjection(found.revision ?? 'default'),
    optOut: istioOptOut,
    diagnosticSteps: istioDiagnosticSteps,
    // Istio injects every fault itself; no extra backends.
    extraServers: () => [],
  };
}

function uidOf(object: { metadata: Record<string, unknown> }): string {
  return typeof object.metadata.uid === 'string' ? object.metadata.uid : '';
}

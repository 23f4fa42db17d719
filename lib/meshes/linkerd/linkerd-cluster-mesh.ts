import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { sidecarEnrolmentSteps } from '../../platforms/kubernetes/enrolment-steps.ts';
import type { KubeClient } from '../../platforms/kubernetes/kube-client.ts';
import type { OwnedObject } from '../../platforms/kubernetes/ownership.ts';
import { versionOf } from '../../versions.ts';
import type { ClusterMesh } from '../cluster-mesh.ts';
import { defaultTrustDomain } from '../mesh-placement.ts';
import { linkerdMeshAdapter } from './linkerd-adapter.ts';
import {
  gatewayApiInstallStep,
  gatewayApiProblem,
  linkerdCliRequirement,
  linkerdConfigFacts,
  linkerdControlPlaneLabel,
  linkerdDiagnosticSteps,
  linkerdIdentityFilesFromEnv,
  linkerdInjection,
  linkerdInstallSteps,
  linkerdManifestFiles,
  linkerdNamespace,
  linkerdOptOut,
  linkerdPrecheckStep,
  manifestObjects,
} from './linkerd-install.ts';
import { faultBackendsNeeded } from './render-linkerd.ts';

/** The HTTPRoute CRD Linkerd's outbound routes are rendered as (gateway.networking.k8s.io/v1). */
const httpRouteCrd = 'httproutes.gateway.networking.k8s.io';

/** Linkerd as the Kubernetes platform drives it: the linkerd CLI, annotation injection, fault backends. */
export function linkerdClusterMesh(version: string): ClusterMesh {
  const identity = linkerdIdentityFilesFromEnv();
  return {
    name: 'linkerd',
    mode: 'linkerd',
    version,
    dataPlane: () => ({ kind: 'sidecars', container: 'linkerd-proxy' }),
    cliRequirements: [linkerdCliRequirement(version)],
    adapter: (found, names) =>
      linkerdMeshAdapter({
        names,
        trustDomain: found.trustDomain,
        controlPlaneNamespace: found.controlPlaneNamespace,
      }),
    async presence(client) {
      const planes = await client.namespaces(linkerdControlPlaneLabel);
      const crds = await client.crdNames('linkerd.io');
      return [
        ...planes.map((ns) => `a Linkerd control plane in namespace ${ns}`),
        ...(crds.length > 0 ? [`${crds.length} Linkerd CRDs (${crds.slice(0, 3).join(', ')}…)`] : []),
      ];
    },
    async detect(client) {
      const planes = await client.namespaces(linkerdControlPlaneLabel);
      if (planes.length === 0) return undefined;
      if (planes.length > 1) {
        throw new MeshproofError(
          'MESHPROOF_MESH_UNIDENTIFIED',
          `the cluster has several Linkerd control planes (${planes.join(', ')}): meshproof cannot tell which one injects its pods`,
        );
      }
      const namespace = planes[0] as string;
      const config = await client.configMap(namespace, 'linkerd-config');
      const facts = linkerdConfigFacts(config?.values);
      if (!facts.version) {
        throw new MeshproofError(
          'MESHPROOF_MESH_UNIDENTIFIED',
          `cannot read Linkerd's release: ConfigMap ${namespace}/linkerd-config ${config ? 'has no values.linkerdVersion' : 'is missing'}`,
        );
      }
      return { version: facts.version, trustDomain: facts.trustDomain, controlPlaneNamespace: namespace };
    },
    expected: () => ({ version, trustDomain: defaultTrustDomain, controlPlaneNamespace: linkerdNamespace }),
    precheckSteps: (context) => [
      ...(context.clusterCreatedByRun ? [gatewayApiInstallStep(versionOf('gatewayApi'))] : []),
      linkerdPrecheckStep,
    ],
    installSteps: () => linkerdInstallSteps(identity),
    async installedObjects(client, context) {
      const owned: OwnedObject[] = [];
      for (const file of [linkerdManifestFiles.crds, linkerdManifestFiles.controlPlane]) {
        const objects = manifestObjects(await readFile(join(context.workDir, file), 'utf8'));
        for (const object of objects) {
          const uid = await client.uid(object);
          if (uid) {
            owned.push({
              apiVersion: object.apiVersion,
              kind: object.kind,
              name: object.metadata.name,
              ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
              uid,
            });
          }
        }
      }
      return owned;
    },
    // What the run applied is removed exactly from its ownership record (never `linkerd uninstall`,
    // which deletes whatever carries linkerd.io/control-plane-ns).
    uninstallSteps: () => [],
    async requireCluster(client: KubeClient) {
      const problem = gatewayApiProblem(await client.crd(httpRouteCrd));
      if (problem) throw new MeshproofError('MESHPROOF_CRDS_OUT_OF_RANGE', problem);
    },
    injection: () => linkerdInjection,
    optOut: linkerdOptOut,
    meshFixtures: () => [],
    enrolmentSteps: (names) => sidecarEnrolmentSteps('linkerd', 'linkerd-proxy', names),
    diagnosticSteps: linkerdDiagnosticSteps,
    extraServers: (intents) => faultBackendsNeeded(intents),
  };
}

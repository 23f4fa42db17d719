import type { ClusterMesh } from '../cluster-mesh.ts';
import { linkerdMeshAdapter } from './linkerd-adapter.ts';
import {
  linkerdCliRequirement,
  linkerdDiagnosticSteps,
  linkerdIdentityFilesFromEnv,
  linkerdInjection,
  linkerdInstallSteps,
  linkerdUninstallSteps,
  linkerdVersionFromImage,
} from './linkerd-install.ts';
import { faultBackendsNeeded } from './render-linkerd.ts';

/** Linkerd as the Kubernetes platform drives it: the linkerd CLI, annotation injection, fault backends. */
export function linkerdClusterMesh(version: string): ClusterMesh {
  const identity = linkerdIdentityFilesFromEnv();
  return {
    adapter: linkerdMeshAdapter(),
    version,
    proxyContainer: 'linkerd-proxy',
    injection: linkerdInjection,
    cliRequirements: [linkerdCliRequirement(version)],
    precheckSteps: [{ title: 'check the cluster can run Linkerd', argv: ['linkerd', 'check', '--pre'] }],
    installSteps: (cluster) => linkerdInstallSteps(cluster, identity),
    uninstallSteps: linkerdUninstallSteps(),
    async detectVersion(client) {
      const image = await client.deploymentImage('linkerd', 'linkerd-destination');
      return image ? linkerdVersionFromImage(image) : undefined;
    },
    diagnosticSteps: linkerdDiagnosticSteps,
    extraServers: (intents) => faultBackendsNeeded(intents),
  };
}

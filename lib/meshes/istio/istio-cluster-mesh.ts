import type { ClusterMesh } from '../cluster-mesh.ts';
import { istioMeshAdapter } from './istio-adapter.ts';
import {
  istioctlRequirement,
  istioDiagnosticSteps,
  istioInjection,
  istioInstallSteps,
  istioUninstallSteps,
  istioVersionFromImage,
} from './istio-install.ts';

/** Istio as the Kubernetes platform drives it: istioctl, namespace-label injection, istiod's version. */
export function istioClusterMesh(version: string): ClusterMesh {
  const [precheck, ...install] = istioInstallSteps(version);
  return {
    adapter: istioMeshAdapter(),
    version,
    proxyContainer: 'istio-proxy',
    injection: istioInjection,
    cliRequirements: [istioctlRequirement(version)],
    precheckSteps: precheck ? [precheck] : [],
    installSteps: () => install,
    uninstallSteps: istioUninstallSteps(),
    async detectVersion(client) {
      const image = await client.deploymentImage('istio-system', 'istiod');
      return image ? istioVersionFromImage(image) : undefined;
    },
    diagnosticSteps: istioDiagnosticSteps,
    // Istio injects every fault itself; no extra backends.
    extraServers: () => [],
  };
}

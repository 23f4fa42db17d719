import type { Intent, MeshAdapter } from '../model/index.ts';
import type { CliRequirement, CliStep } from '../platforms/kubernetes/cli-steps.ts';
import type { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import type { ExtraServer, MeshInjection } from '../platforms/kubernetes/render-fixtures.ts';

/**
 * A mesh as the Kubernetes platform drives it: its CLIs, install and removal steps, how it
 * marks namespaces for injection, how to find its version, and what to capture on failure.
 */
export interface ClusterMesh {
  readonly adapter: MeshAdapter;
  /** The version meshproof installs (pinned, overridable). */
  readonly version: string;
  readonly injection: MeshInjection;
  /** Name of the sidecar container the mesh injects (its logs are diagnostics). */
  readonly proxyContainer: string;
  readonly cliRequirements: readonly CliRequirement[];
  /** Steps run before installing (pre-flight checks); a failure stops the run with a coded error. */
  readonly precheckSteps: readonly CliStep[];
  /** Install and verify; `gatewayApiCrds` tells whether the cluster already has the Gateway API CRDs. */
  installSteps(cluster: { readonly gatewayApiCrds: boolean }): CliStep[];
  readonly uninstallSteps: readonly CliStep[];
  /** The mesh version found on a cluster, or undefined when the mesh is not installed there. */
  detectVersion(client: KubeClient): Promise<string | undefined>;
  diagnosticSteps(namespace: string, pods: readonly string[]): CliStep[];
  /** Extra echo backends some intents need (Linkerd's fault injection by error backend). */
  extraServers(intents: readonly Intent[]): ExtraServer[];
}

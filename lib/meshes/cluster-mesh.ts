import type { Intent, MeshAdapter, MeshMetrics, TopologyNames } from '../model/index.ts';
import type { CliRequirement } from '../platforms/kubernetes/cli-steps.ts';
import type { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import type { ExecTarget, LiveStep } from '../platforms/kubernetes/live-steps.ts';
import type { OwnedObject } from '../platforms/kubernetes/ownership.ts';
import type { ExtraServer, KubeObject, MeshInjection } from '../platforms/kubernetes/render-fixtures.ts';
import type { MeshMode } from './capabilities.ts';
import type { DataPlane } from './data-plane.ts';

/** A mesh as found on a cluster, read from the mesh itself (never assumed). */
export interface FoundMesh {
  /** The control plane's release, e.g. `1.30.3` or `edge-26.8.3`. */
  readonly version: string;
  /** Istio: the control plane revision the run's namespace is labelled for (`default` for none). */
  readonly revision?: string;
  /** The trust domain of the identities the mesh issues (Istio `meshConfig.trustDomain`, Linkerd `identityTrustDomain`). */
  readonly trustDomain: string;
  /** The control plane's namespace (part of Linkerd identities). */
  readonly controlPlaneNamespace: string;
}

/** What an install needs to know: whose cluster it is and which names are the run's own. */
export interface InstallContext {
  readonly runId: string;
  /** True on a cluster this run created (an ephemeral k3s): cluster-wide prerequisites may be installed. */
  readonly clusterCreatedByRun: boolean;
  /** The run's work directory (the CLIs' cwd, where rendered manifests are written). */
  readonly workDir: string;
}

/**
 * A mesh as the Kubernetes platform drives it: its CLIs, how it is found and identified, how it is
 * installed under names the run owns and removed exactly, how it marks namespaces, and what to
 * capture on failure. Every step is a `LiveStep`, run live and written by plan mode alike.
 */
export interface ClusterMesh {
  readonly name: 'istio' | 'istio-ambient' | 'linkerd';
  /** The mode the mesh is driven in (the capability matrix's column; names the plan folder). */
  readonly mode: MeshMode;
  /** The version meshproof installs (pinned, overridable). */
  readonly version: string;
  /**
   * What carries the meshed traffic on the cluster as found: a proxy container injected into each
   * workload (a native sidecar is an init container of that name), or Istio ambient's per-node
   * ztunnel and the run's waypoint. The benchmark reads exactly these proxies.
   */
  dataPlane(found: FoundMesh, names: TopologyNames): DataPlane;
  readonly cliRequirements: readonly CliRequirement[];
  /** The adapter that renders into the run's namespaces and names identities of the mesh as found. */
  adapter(found: FoundMesh, names: TopologyNames): MeshAdapter;
  /** Every trace of this mesh on the cluster (CRDs, control planes): a run never installs over one. */
  presence(client: KubeClient): Promise<string[]>;
  /** The mesh on the cluster, read from its own configuration; undefined when it is not installed. */
  detect(client: KubeClient, context: InstallContext): Promise<FoundMesh | undefined>;
  /** The found mesh as it would be after this run installs it (plan mode shows these values). */
  expected(context: InstallContext): FoundMesh;
  /** Cluster-wide prerequisites and pre-flight checks before installing (a failure is a coded error). */
  precheckSteps(context: InstallContext): LiveStep[];
  /** Install and wait until the control plane serves. */
  installSteps(context: InstallContext): LiveStep[];
  /** What the install created, read after it ran on a cluster the run did not create (recorded as owned). */
  installedObjects(client: KubeClient, context: InstallContext): Promise<OwnedObject[]>;
  /** Removes exactly what the run installed (before its recorded objects are deleted). */
  uninstallSteps(context: InstallContext): LiveStep[];
  /** What a cluster must have for the mesh as found (e.g. Gateway API CRDs of a version Linkerd's routes need). */
  requireCluster(client: KubeClient): Promise<void>;
  /** How the meshed namespace is marked for injection by the mesh as found. */
  injection(found: FoundMesh): MeshInjection;
  /** How the unmeshed namespace is opted out, whatever the mesh's defaults. */
  readonly optOut: MeshInjection;
  /** Objects the mesh needs in the run's namespaces besides the fixtures (Istio ambient: the waypoint). */
  meshFixtures(found: FoundMesh, names: TopologyNames, runId: string): KubeObject[];
  /**
   * The live preflight's proof that the workloads are in the mesh and the outside ones are not
   * (sidecars injected; or, in ambient, pods captured by ztunnel and the waypoint programmed).
   */
  enrolmentSteps(names: TopologyNames): LiveStep[];
  diagnosticSteps(names: TopologyNames, pods: readonly string[]): LiveStep[];
  /** Extra echo backends some intents need (Linkerd's fault injection by error backend). */
  extraServers(intents: readonly Intent[]): ExtraServer[];
  /**
   * How the proxies' request metrics are read: a scrape step per workload pod and a pure reader of
   * the scrapes (keyed by Deployment); absent where meshproof does not read this mesh's metrics yet.
   */
  readonly metrics?: ClusterMetricsReader;
}

/** A mesh's scrape of one pod's proxy and the reader of every pod's scrape. */
export interface ClusterMetricsReader {
  step(target: ExecTarget, deadlineMs: number): Extract<LiveStep, { kind: 'exec' }>;
  read(scrapes: Readonly<Record<string, string>>): MeshMetrics;
}

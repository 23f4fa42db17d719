import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { parseAllDocuments } from 'yaml';
import { LEDGER_PATH, MODE_PATH } from '../../../fixtures/echo/echo-protocol.ts';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { ClusterMesh } from '../../meshes/cluster-mesh.ts';
import type {
  Diagnostic,
  Environment,
  Intent,
  PlatformName,
  RenderedResource,
  Timeouts,
  Version,
} from '../../model/index.ts';
import { clusterTimeouts } from '../../model/index.ts';
import { createK6Driver, k6ExecTarget } from '../../traffic/k6-driver.ts';
import { versionOf } from '../../versions.ts';
import { type CliStep, kubectlRequirement, requireCli, runStep } from './cli-steps.ts';
import { requireContainerRuntime } from './container-runtime.ts';
import { echoControlArgv } from './exec-commands.ts';
import { readFixtureFiles } from './fixture-files.ts';
import { installMesh } from './install-mesh.ts';
import { checkFieldManager, KubeClient } from './kube-client.ts';
import { kube } from './kubernetes-names.ts';
import { callerDeployment, type KubeObject, renderFixtures } from './render-fixtures.ts';

export interface KubernetesEnvironmentOptions {
  readonly runId: string;
  readonly platform: Exclude<PlatformName, 'local'>;
  readonly mesh: ClusterMesh;
  /** kubeconfig platform: the context the user named. */
  readonly context?: string;
  /** kubeconfig platform: install (and later remove) the mesh instead of using the one found. */
  readonly installMesh?: boolean;
  /** Where the run's kubeconfig for the CLIs and the container id are written. */
  readonly workDir: string;
  /** Intents of every check of the run, to deploy the extra backends some meshes need. */
  readonly intents: readonly Intent[];
  readonly timeouts?: Timeouts;
  readonly log?: (line: string) => void;
}

const versions: readonly Version[] = ['v1', 'v2', 'v3'];

/** Parses rendered YAML resources into objects to apply. */
function objectsOf(resources: readonly RenderedResource[]): KubeObject[] {
  return resources.flatMap((r) =>
    r.format === 'yaml'
      ? parseAllDocuments(r.content)
          .map((d) => d.toJSON() as KubeObject)
          .filter(Boolean)
      : [],
  );
}

/**
 * A Kubernetes cluster with the mesh installed and the fixtures deployed: an ephemeral k3s
 * (testcontainers) or an existing cluster of an explicitly named context. Disposing it deletes
 * exactly the namespaces of this run, removes a mesh it installed, and stops the k3s container.
 */
export async function startKubernetesEnvironment(
  options: KubernetesEnvironmentOptions,
): Promise<Environment> {
  const timeouts = options.timeouts ?? clusterTimeouts;
  const log = options.log ?? (() => undefined);
  const { mesh } = options;
  await requireCli(kubectlRequirement);
  for (const requirement of mesh.cliRequirements) await requireCli(requirement);

  let container: StartedK3sContainer | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e: Error) => log(`cleanup: ${e.message}`));
  };
  try {
    let client: KubeClient;
    if (options.platform === 'k3s') {
      await requireContainerRuntime();
      const image = versionOf('k3sImage');
      log(`starting an ephemeral k3s cluster (${image})…`);
      container = await new K3sContainer(image).start();
      const started = container;
      await writeFile(join(options.workDir, 'container-id'), started.getId());
      cleanups.push(() => started.stop().then(() => undefined));
      client = KubeClient.fromString(started.getKubeConfig());
    } else {
      client = KubeClient.fromKubeconfig(options.context);
    }
    const kubernetesVersion = await client.serverVersion();
    const kubeconfigFile = join(options.workDir, 'kubeconfig');
    await writeFile(kubeconfigFile, client.config.exportConfig(), { mode: 0o600 });
    const cliEnv = { KUBECONFIG: kubeconfigFile };
    const run = (steps: readonly CliStep[]) =>
      steps.reduce(
        (previous, step) =>
          previous.then(async () => {
            log(`  ${step.title}`);
            await runStep(step, cliEnv, timeouts.workloadStartMs);
          }),
        Promise.resolve(),
      );

    let meshVersion = await mesh.detectVersion(client);
    const install = options.platform === 'k3s' || options.installMesh === true;
    if (install) {
      const gatewayApiCrds = await client.crdExists('httproutes.gateway.networking.k8s.io');
      // Registered first: a half-done install on an existing cluster is removed as well.
      if (options.platform !== 'k3s') cleanups.push(() => run(mesh.uninstallSteps));
      await installMesh(mesh, { gatewayApiCrds }, (step) => run([step]));
      meshVersion = (await mesh.detectVersion(client)) ?? mesh.version;
    } else if (!meshVersion) {
      throw new MeshproofError(
        'MESHPROOF_MESH_INSTALL_FAILED',
        `${mesh.adapter.name} is not installed on context ${options.context}: install it, or let meshproof do it with --install-mesh`,
      );
    }

    log(`deploying the fixtures (Kubernetes ${kubernetesVersion}, ${mesh.adapter.name} ${meshVersion})…`);
    const files = await readFixtureFiles();
    const fixtures = renderFixtures({
      runId: options.runId,
      nodeImage: versionOf('nodeImage'),
      k6Image: versionOf('k6Image'),
      injection: mesh.injection,
      versions,
      extraServers: mesh.extraServers(options.intents),
      ...files,
    });
    cleanups.push(() => client.deleteRunNamespaces(kube.runLabel, options.runId, timeouts.workloadStartMs));
    await client.apply(fixtures);
    const deployments = fixtures
      .filter((o) => o.kind === 'Deployment')
      .map((o) => ({ namespace: o.metadata.namespace ?? kube.meshNamespace, name: o.metadata.name }));
    await client.waitForRollout(deployments, timeouts.workloadStartMs);

    const podOf = async (namespace: string, labelSelector: string) => {
      const [pod] = await client.podNames(namespace, labelSelector);
      if (!pod) throw new Error(`no running pod for ${labelSelector} in ${namespace}`);
      return pod;
    };
    const serverPods = async () =>
      Promise.all(
        versions.map(async (v) => ({
          version: v,
          pod: await podOf(kube.meshNamespace, `app=server,${kube.versionLabel}=${v}`),
        })),
      );
    // The echo's control paths are read inside its own container, bypassing the mesh.
    const echoControl = (pod: string, method: string, path: string, body?: string) =>
      client.exec(kube.meshNamespace, pod, 'echo', echoControlArgv(method, path, body));
    const driver = createK6Driver(async (caller, argv) => {
      const target = k6ExecTarget(caller);
      const pod = await podOf(target.namespace, `app=${callerDeployment(caller).name}`);
      return client.exec(target.namespace, pod, 'k6', argv);
    }, timeouts);

    let applied: KubeObject[] = [];
    return {
      mesh: mesh.adapter,
      meshVersion,
      platform: options.platform,
      timeouts,
      driver,
      async apply(resources) {
        const objects = objectsOf(resources);
        await client.apply(objects, checkFieldManager);
        applied = [...applied, ...objects];
        await client.waitForAcceptance(objects, timeouts.applyMs);
      },
      async chaos(action) {
        for (const { pod } of (await serverPods()).filter((p) => p.version === action.version)) {
          await echoControl(pod, 'PUT', MODE_PATH, JSON.stringify({ failStatus: action.status }));
        }
      },
      async reset() {
        for (const { pod } of await serverPods()) await echoControl(pod, 'PUT', MODE_PATH, '{}');
        // A Service among a check's resources patches a fixture Service: withdraw the patch by
        // applying nothing under the check's field manager; never delete the Service itself.
        const patches = applied.filter((o) => o.kind === 'Service');
        await client.apply(
          patches.map((o) => ({
            apiVersion: o.apiVersion,
            kind: o.kind,
            metadata: { name: o.metadata.name, namespace: o.metadata.namespace },
          })),
          checkFieldManager,
        );
        await client.delete(applied.filter((o) => o.kind !== 'Service'));
        applied = [];
      },
      async ledger(prefix) {
        const counts = new Map<string, number>();
        for (const { pod } of await serverPods()) {
          const { stdout } = await echoControl(
            pod,
            'GET',
            `${LEDGER_PATH}?prefix=${encodeURIComponent(prefix)}`,
          );
          const reply = JSON.parse(stdout) as { counts: Record<string, number> };
          for (const [id, n] of Object.entries(reply.counts)) counts.set(id, (counts.get(id) ?? 0) + n);
        }
        return counts;
      },
      async diagnostics() {
        const diagnostics: Diagnostic[] = [];
        const involved = [
          ...(await serverPods()).map((p) => ({ pod: p.pod, app: 'echo' })),
          { pod: await podOf(kube.meshNamespace, 'app=client'), app: 'k6' },
        ];
        const pods = involved.map((p) => p.pod);
        for (const step of mesh.diagnosticSteps(kube.meshNamespace, pods)) {
          const output = await runStep(step, cliEnv, 60_000).catch((e: Error) => ({
            stdout: e.message,
            stderr: '',
          }));
          diagnostics.push({ title: step.title, content: `${output.stdout}${output.stderr}`.slice(-20_000) });
        }
        for (const { pod, app } of involved) {
          for (const container of [mesh.proxyContainer, app]) {
            diagnostics.push({
              title: `${pod}/${container} log (last lines)`,
              content: await client.logs(kube.meshNamespace, pod, container),
            });
          }
        }
        return diagnostics;
      },
      [Symbol.asyncDispose]: teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

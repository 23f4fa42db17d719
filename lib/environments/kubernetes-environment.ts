import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { K3sContainer, type StartedK3sContainer } from '@testcontainers/k3s';
import { isMeshproofError, MeshproofError } from '../errors/meshproof-error.ts';
import type { ClusterMesh, FoundMesh, InstallContext } from '../meshes/cluster-mesh.ts';
import { sidecarContainerOf } from '../meshes/data-plane.ts';
import type {
  Diagnostic,
  Environment,
  Intent,
  MeshMetrics,
  PlatformName,
  RenderedResource,
  Timeouts,
  TopologyNames,
} from '../model/index.ts';
import { clusterTimeouts } from '../model/index.ts';
import { kubectlRequirement, requireCli } from '../platforms/kubernetes/cli-steps.ts';
import { clusterCannotChaos } from '../platforms/kubernetes/cluster-chaos.ts';
import { requireContainerRuntime } from '../platforms/kubernetes/container-runtime.ts';
import { readFixtureFiles } from '../platforms/kubernetes/fixture-files.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { clusterNames, kubeDirName } from '../platforms/kubernetes/kubernetes-names.ts';
import type { LiveStep } from '../platforms/kubernetes/live-steps.ts';
import { Ownership } from '../platforms/kubernetes/ownership.ts';
import { type KubeObject, renderFixtures } from '../platforms/kubernetes/render-fixtures.ts';
import { type LiveContext, objectsOf, podOf, runLiveStep } from '../platforms/kubernetes/run-live-step.ts';
import { createJwtIssuer, withBearerTokens } from '../traffic/jwt-issuer.ts';
import { createK6Driver, k6ExecTarget } from '../traffic/k6-driver.ts';
import { pinnedValues } from '../versions.ts';
import {
  applyCheckSteps,
  chaosSteps,
  cleanupSteps,
  clusterAnswersStep,
  fixtureSteps,
  installSections,
  ledgerStep,
  meshIdentifiedStep,
  preflightSteps,
  removeCheckSteps,
  restoreSteps,
  serverTarget,
  serverVersions,
} from './cluster-steps.ts';
import { metricsScrapeSteps } from './metrics-steps.ts';

export interface KubernetesEnvironmentOptions {
  readonly runId: string;
  readonly platform: Exclude<PlatformName, 'local'>;
  readonly mesh: ClusterMesh;
  /** kubeconfig platform: the context the user named. */
  readonly context?: string;
  /** kubeconfig platform: install (and later remove) the mesh instead of using the one found. */
  readonly installMesh?: boolean;
  /** The run's work directory (created 0700 by the CLI); the run's kubeconfig goes into a 0700 folder inside. */
  readonly workDir: string;
  /** Intents of every check of the run: the extra backends some meshes need, and the CRDs they render. */
  readonly intents: readonly Intent[];
  readonly timeouts?: Timeouts;
  readonly log?: (line: string) => void;
}

/** A cluster environment: the Environment checks use, and what the benchmark needs besides. */
export interface KubernetesEnvironment extends Environment {
  readonly client: KubeClient;
  readonly names: TopologyNames;
  readonly found: FoundMesh;
}

/** Everything the run's intents render, one intent at a time (one a mesh cannot render is NOT_SUPPORTED anyway). */
function renderedForCrds(adapter: Environment['mesh'], intents: readonly Intent[]): RenderedResource[] {
  return intents.flatMap((intent) => {
    try {
      return adapter.render([intent]);
    } catch {
      return [];
    }
  });
}

/**
 * A Kubernetes cluster with the mesh installed and the fixtures deployed: an ephemeral k3s
 * (testcontainers) or an existing cluster of an explicitly named context. Every step is a
 * `LiveStep` built by `cluster-steps.ts`, the same values plan mode writes. Disposing it deletes
 * exactly what the run created (by uid), removes exactly the mesh revision it installed, and
 * stops the k3s container.
 */
export async function startKubernetesEnvironment(
  options: KubernetesEnvironmentOptions,
): Promise<KubernetesEnvironment> {
  const timeouts = options.timeouts ?? clusterTimeouts;
  const log = options.log ?? (() => undefined);
  const { mesh } = options;
  const pinned = pinnedValues();
  const names = clusterNames(options.runId);
  await requireCli(kubectlRequirement);
  for (const requirement of mesh.cliRequirements) await requireCli(requirement);

  const kubeDir = join(options.workDir, kubeDirName);
  await mkdir(kubeDir, { recursive: true, mode: 0o700 });
  let container: StartedK3sContainer | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((e: Error) => log(`cleanup: ${e.message}`));
    cleanups.length = 0;
    await rm(kubeDir, { recursive: true, force: true });
  };
  try {
    let client: KubeClient;
    if (options.platform === 'k3s') {
      await requireContainerRuntime();
      log(`starting an ephemeral k3s cluster (${pinned.k3sImage})…`);
      container = await new K3sContainer(pinned.k3sImage).start();
      const started = container;
      await writeFile(join(options.workDir, 'container-id'), started.getId(), { mode: 0o600 });
      cleanups.push(() => started.stop().then(() => undefined));
      client = KubeClient.fromString(started.getKubeConfig());
    } else {
      client = KubeClient.fromKubeconfig(options.context);
    }
    // Only the chosen context's cluster and user: the CLIs see nothing else of the user's kubeconfig.
    const kubeconfigFile = join(kubeDir, 'kubeconfig');
    await writeFile(kubeconfigFile, client.exportKubeconfig(), { mode: 0o600 });
    const live: LiveContext = {
      client,
      place: { env: { KUBECONFIG: kubeconfigFile }, cwd: kubeDir },
      ownership: { run: new Ownership(options.workDir, 'run'), mesh: new Ownership(options.workDir, 'mesh') },
      cliTimeoutMs: timeouts.workloadStartMs,
      log,
    };
    const run = async (steps: readonly LiveStep[]) => {
      for (const step of steps) {
        log(`  ${step.title}`);
        await runLiveStep(step, live);
      }
    };
    const context: InstallContext = {
      runId: options.runId,
      clusterCreatedByRun: options.platform === 'k3s',
      workDir: kubeDir,
    };
    await run([clusterAnswersStep]);

    const install = options.platform === 'k3s' || options.installMesh === true;
    let found: FoundMesh | undefined;
    if (install) {
      const onExisting = options.platform !== 'k3s';
      const [section] = installSections(mesh, context);
      // First: nothing of the mesh is there (a refusal changes nothing, and leaves nothing to undo).
      const [noMeshThere, ...steps] = section?.steps ?? [];
      if (noMeshThere) await run([noMeshThere]);
      // On someone's cluster the mesh's cluster-wide prerequisites must already be there.
      if (onExisting) await mesh.requireCluster(client);
      const prechecks = steps.length - mesh.installSteps(context).length;
      if (onExisting) {
        // Registered before installing: a half-done install is removed as well, and only what it made.
        cleanups.push(() =>
          run(cleanupSteps(mesh, context, true).filter((s) => !(s.kind === 'release' && s.record === 'run'))),
        );
      }
      // What the install made is recorded once it ran (also when it failed half-way).
      let recorded = false;
      const recordInstalled = async () => {
        if (!onExisting || recorded) return;
        recorded = true;
        live.ownership.mesh.record(await mesh.installedObjects(client, context).catch(() => []));
      };
      for (const [index, step] of steps.entries()) {
        try {
          await run([step]);
        } catch (cause) {
          if (index >= prechecks) await recordInstalled();
          if (isMeshproofError(cause)) throw cause;
          throw new MeshproofError(
            index < prechecks ? 'MESHPROOF_MESH_PRECHECK_FAILED' : 'MESHPROOF_MESH_INSTALL_FAILED',
            index < prechecks
              ? `the cluster cannot run ${mesh.name} ${mesh.version} (${(cause as Error).message}); fix what the check reports, or use another cluster`
              : `${mesh.name} ${mesh.version} did not install (${(cause as Error).message})`,
            { cause },
          );
        }
      }
      await recordInstalled();
      found = await mesh.detect(client, context);
      if (!found) {
        throw new MeshproofError(
          'MESHPROOF_MESH_INSTALL_FAILED',
          `${mesh.name} ${mesh.version} installed, but its control plane cannot be found on the cluster`,
        );
      }
    } else {
      found = await mesh.detect(client, context);
      if (!found) {
        throw new MeshproofError(
          'MESHPROOF_MESH_INSTALL_FAILED',
          `${mesh.name} is not installed on context ${options.context}: install it, or let meshproof do it with --install-mesh`,
        );
      }
    }
    await mesh.requireCluster(client);
    const meshFound = found;
    await run([meshIdentifiedStep(mesh, meshFound)]);
    log(`deploying the fixtures into ${names.meshNamespace} and ${names.outsideNamespace}…`);
    const adapter = mesh.adapter(meshFound, names);
    const files = await readFixtureFiles();
    // The end-user token issuer of the run: its key set goes to the jwks fixture, its tokens to the callers.
    const issuer = await createJwtIssuer();
    const fixtures = [
      ...renderFixtures({
        runId: options.runId,
        names,
        nodeImage: pinned.nodeImage,
        k6Image: pinned.k6Image,
        injection: mesh.injection(meshFound),
        optOut: mesh.optOut,
        versions: serverVersions,
        extraServers: mesh.extraServers(options.intents),
        ...files,
        jwks: JSON.stringify(issuer.jwks),
      }),
      ...mesh.meshFixtures(meshFound, names, options.runId),
    ];
    cleanups.push(() => run(cleanupSteps(mesh, context, false)));
    await run(fixtureSteps({ runId: options.runId, names, mesh, found: meshFound, fixtures, timeouts }));
    log('live preflight: proving the run’s assumptions on the cluster…');
    await run(
      preflightSteps({
        mesh,
        adapter,
        names,
        runId: options.runId,
        timeouts,
        resources: renderedForCrds(adapter, options.intents),
        parse: objectsOf,
      }),
    );

    const runExec = async (step: Extract<LiveStep, { kind: 'exec' }>) => {
      const pod = await podOf(client, step.target);
      return client.exec(step.target.namespace, pod, step.target.container, step.argv, step.deadlineMs);
    };
    const driver = withBearerTokens(createK6Driver(runExec, timeouts, names), issuer);
    let applied: KubeObject[] = [];
    return {
      mesh: adapter,
      meshVersion: meshFound.version,
      platform: options.platform,
      timeouts,
      driver,
      client,
      names,
      found: meshFound,
      async apply(resources) {
        const objects = objectsOf(resources);
        applied = [...applied, ...objects];
        await run(applyCheckSteps(objects, 'check.yaml', timeouts));
      },
      // What chaosSteps cannot perform is said by clusterCannotChaos (both switch on every kind).
      cannotChaos: clusterCannotChaos,
      async chaos(action) {
        await run(chaosSteps(names, action));
      },
      async reset() {
        await run(restoreSteps(names));
        await run(removeCheckSteps(applied));
        applied = [];
      },
      ...(mesh.metrics ? { requestMetrics: () => scrapeMeshMetrics(mesh, names, runExec) } : {}),
      async ledger(prefix) {
        const counts = new Map<string, number>();
        for (const version of serverVersions) {
          const { stdout } = await runExec(ledgerStep(names, version, prefix));
          const reply = JSON.parse(stdout) as { counts: Record<string, number> };
          for (const [id, n] of Object.entries(reply.counts)) counts.set(id, (counts.get(id) ?? 0) + n);
        }
        return counts;
      },
      async diagnostics() {
        const diagnostics: Diagnostic[] = [];
        const involved = [
          ...(await Promise.all(
            serverVersions.map(async (v) => ({
              pod: await podOf(client, serverTarget(names, v)),
              app: 'echo',
            })),
          )),
          {
            pod: await podOf(client, k6ExecTarget('client', names)),
            app: 'k6',
          },
        ];
        for (const step of mesh.diagnosticSteps(
          names,
          involved.map((p) => p.pod),
        )) {
          const output = await runLiveStep(step, live).catch((e: Error) => ({
            stdout: e.message,
            stderr: '',
          }));
          diagnostics.push({ title: step.title, content: `${output.stdout}${output.stderr}`.slice(-20_000) });
        }
        for (const { pod, app } of involved) {
          for (const c of [sidecarContainerOf(mesh.dataPlane(meshFound, names)), app].filter(
            (c) => c !== undefined,
          )) {
            diagnostics.push({
              title: `${pod}/${c} log (last lines)`,
              content: await client.logs(names.meshNamespace, pod, c),
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

/** Scrapes the mesh's proxies (`metricsScrapeSteps`) and reads the scrapes with the mesh's reader. */
async function scrapeMeshMetrics(
  mesh: ClusterMesh,
  names: TopologyNames,
  runExec: (step: Extract<LiveStep, { kind: 'exec' }>) => Promise<{ stdout: string }>,
): Promise<MeshMetrics> {
  const reader = mesh.metrics;
  if (!reader) throw new Error(`meshproof does not read ${mesh.name}'s metrics`);
  const scrapes: Record<string, string> = {};
  for (const step of metricsScrapeSteps(reader, names))
    scrapes[step.target.deployment] = (await runExec(step)).stdout;
  return reader.read(scrapes);
}

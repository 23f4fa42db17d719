/**
 * Every step of a live cluster run, built in one place (pure): the live path runs them
 * (`kubernetes-environment.ts`), plan mode writes them to commands.sh (`lib/plan/`), and
 * diagnostics run the mesh's own. Values known only on the cluster (the mesh found, its trust
 * domain) are inputs; plan mode passes what a fresh ephemeral cluster would give.
 */
import { LEDGER_PATH, MODE_PATH } from '../../fixtures/echo/echo-protocol.ts';
import { decodeObservations } from '../../k6/lib/observation.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import type { ClusterMesh, FoundMesh, InstallContext } from '../meshes/cluster-mesh.ts';
import type {
  ChaosAction,
  MeshAdapter,
  RenderedResource,
  Timeouts,
  TopologyNames,
  Version,
} from '../model/index.ts';
import { clusterWaits, unreachable } from '../model/index.ts';
import { kubectlRequirement } from '../platforms/kubernetes/cli-steps.ts';
import { clusterCannotChaos } from '../platforms/kubernetes/cluster-chaos.ts';
import { echoControlArgv } from '../platforms/kubernetes/exec-commands.ts';
import { checkFieldManager, fieldManager } from '../platforms/kubernetes/kube-client.ts';
import { deploymentName, kube } from '../platforms/kubernetes/kubernetes-names.ts';
import type { ExecTarget, LiveStep, StepSection } from '../platforms/kubernetes/live-steps.ts';
import { type KubeObject, renderNamespaces } from '../platforms/kubernetes/render-fixtures.ts';
import { k6ExecTarget, k6Major, k6RunStep, k6VersionOf, toK6Plan } from '../traffic/k6-driver.ts';

/** The server versions every run deploys. */
export const serverVersions: readonly Version[] = ['v1', 'v2', 'v3'];

/** Files the fixtures are applied from (plan mode writes them; a live run keeps them in its work dir). */
export const fixtureFiles = { namespaces: 'namespaces.yaml', fixtures: 'fixtures.yaml' } as const;

/** The CLIs a run needs, with the command that shows each one's version (run by the preflight). */
export function cliSteps(mesh: ClusterMesh): LiveStep[] {
  return [kubectlRequirement, ...mesh.cliRequirements].map((r) => ({
    kind: 'cli',
    title: `${r.tool} version`,
    argv: [...r.versionArgv],
  }));
}

/** The cluster answers, and which Kubernetes it runs. */
export const clusterAnswersStep: LiveStep = {
  kind: 'verify',
  title: 'the cluster answers (and which Kubernetes it runs)',
  shell: ['kubectl', 'version', '-o', 'json'],
  verify: async ({ client }) => {
    await client.serverVersion();
  },
};

/** Refuses to install over any trace of the mesh: overwriting it, and removing it afterwards, would harm its owner. */
export function noMeshThereStep(mesh: ClusterMesh): LiveStep {
  return {
    kind: 'verify',
    title: `no ${mesh.name} on the cluster yet (a run installs only where nothing of it is)`,
    shell:
      mesh.name !== 'linkerd'
        ? ['kubectl', 'get', 'deployments', '-A', '-l', 'app=istiod']
        : ['kubectl', 'get', 'namespaces', '-l', 'linkerd.io/is-control-plane=true'],
    verify: async ({ client }) => {
      const found = await mesh.presence(client);
      if (found.length > 0) {
        throw new MeshproofError(
          'MESHPROOF_MESH_ALREADY_INSTALLED',
          `${mesh.name} is already on the cluster (${found.join('; ')}): run without --install-mesh to test it as it is, or use a cluster without it`,
        );
      }
    },
  };
}

/** The mesh's version, revision and trust domain, read from the mesh itself. */
export function meshIdentifiedStep(mesh: ClusterMesh, found: FoundMesh): LiveStep {
  return {
    kind: 'verify',
    title: `${mesh.name} identified: version ${found.version}${found.revision ? `, revision ${found.revision}` : ''}, trust domain ${found.trustDomain} (read from the mesh at run time)`,
    shell:
      mesh.name !== 'linkerd'
        ? ['istioctl', 'version', '--revision', found.revision ?? 'default', '-o', 'json']
        : [
            'kubectl',
            'get',
            'configmap',
            '-n',
            found.controlPlaneNamespace,
            'linkerd-config',
            '-o',
            'jsonpath={.data.values}',
          ],
    verify: async () => undefined,
  };
}

/**
 * The install phase on a cluster where the mesh is not (pre-checks first: a failure is
 * MESHPROOF_MESH_PRECHECK_FAILED, an install failure MESHPROOF_MESH_INSTALL_FAILED).
 */
export function installSections(mesh: ClusterMesh, context: InstallContext): StepSection[] {
  return [
    {
      heading: `install ${mesh.name} ${mesh.version}${context.clusterCreatedByRun ? '' : ' (only with --install-mesh on an existing cluster)'}`,
      steps: [noMeshThereStep(mesh), ...mesh.precheckSteps(context), ...mesh.installSteps(context)],
    },
  ];
}

/** Namespaces (created only when absent), the fixtures (applied), and every Deployment rolled out. */
export function fixtureSteps(input: {
  readonly runId: string;
  readonly names: TopologyNames;
  readonly mesh: ClusterMesh;
  readonly found: FoundMesh;
  readonly fixtures: readonly KubeObject[];
  readonly timeouts: Timeouts;
}): LiveStep[] {
  const namespaces = renderNamespaces({
    runId: input.runId,
    names: input.names,
    injection: input.mesh.injection(input.found),
    optOut: input.mesh.optOut,
  });
  const deployments = input.fixtures
    .filter((o) => o.kind === 'Deployment')
    .map((o) => ({ namespace: o.metadata.namespace ?? input.names.meshNamespace, name: o.metadata.name }));
  return [
    {
      kind: 'create',
      title: `the run's namespaces ${input.names.meshNamespace} (meshed) and ${input.names.outsideNamespace} (not), created only when absent`,
      file: fixtureFiles.namespaces,
      objects: namespaces,
    },
    {
      kind: 'apply',
      title: 'accounts, echo servers, callers',
      file: fixtureFiles.fixtures,
      objects: input.fixtures,
      fieldManager,
    },
    {
      kind: 'rollout',
      title: 'every fixture Deployment rolled out',
      deployments,
      timeoutMs: input.timeouts.workloadStartMs,
    },
  ];
}

/** The echo's control paths, called inside the server container on 127.0.0.1 (bypassing the mesh). */
export function echoControlStep(
  names: TopologyNames,
  version: Version,
  method: string,
  path: string,
  body: string | undefined,
  title: string,
): Extract<LiveStep, { kind: 'exec' }> {
  return {
    kind: 'exec',
    title,
    target: serverTarget(names, version),
    argv: echoControlArgv(method, path, body),
    deadlineMs: clusterWaits.shortExecMs,
  };
}

/** The echo container of one server version's pod. */
export function serverTarget(names: TopologyNames, version: Version): ExecTarget {
  return {
    namespace: names.meshNamespace,
    deployment: deploymentName('server', version),
    selector: `app=server,${kube.versionLabel}=${version}`,
    container: 'echo',
  };
}

/** Makes every pod of a version answer a status (a chaos action), and back. */
export function chaosSteps(names: TopologyNames, action: ChaosAction): LiveStep[] {
  switch (action.kind) {
    case 'fail-workload':
      return [
        echoControlStep(
          names,
          action.version,
          'PUT',
          MODE_PATH,
          JSON.stringify({ failStatus: action.status }),
          `make ${action.version} answer ${action.status}`,
        ),
      ];
    case 'kill-proxy':
    case 'restart-proxy':
    case 'pause-workload':
    case 'resume-workload':
    case 'apply-intents':
      // whyNotRunnable reports such a check NOT_SUPPORTED with clusterCannotChaos's reason first.
      throw new Error(clusterCannotChaos(action));
    default:
      return unreachable(action);
  }
}

/** Restores every server version to healthy. */
export function restoreSteps(
  names: TopologyNames,
  versions: readonly Version[] = serverVersions,
): LiveStep[] {
  return versions.map((v) => echoControlStep(names, v, 'PUT', MODE_PATH, '{}', `restore ${v}`));
}

/** How often one server version saw each request id with a prefix. */
export function ledgerStep(
  names: TopologyNames,
  version: Version,
  prefix: string,
): Extract<LiveStep, { kind: 'exec' }> {
  return echoControlStep(
    names,
    version,
    'GET',
    `${LEDGER_PATH}?prefix=${encodeURIComponent(prefix)}`,
    undefined,
    `how often ${version} saw each request`,
  );
}

/** A check's resources applied (under the check's field manager) and accepted by their controllers. */
export function applyCheckSteps(
  objects: readonly KubeObject[],
  file: string,
  timeouts: Timeouts,
): LiveStep[] {
  return [
    {
      kind: 'apply',
      title: "apply the check's configuration",
      file,
      objects,
      fieldManager: checkFieldManager,
    },
    {
      kind: 'accepted',
      title: 'routes and policies accepted by their controller',
      objects,
      timeoutMs: timeouts.applyMs,
    },
  ];
}

/**
 * A check's resources taken away: a Service among them is a patch of a fixture Service (Linkerd's
 * failure-accrual annotations), withdrawn by applying nothing under the check's field manager and
 * never deleted; the rest is deleted.
 */
export function removeCheckSteps(objects: readonly KubeObject[]): LiveStep[] {
  const patches = objects.filter((o) => o.kind === 'Service');
  const others = objects.filter((o) => o.kind !== 'Service');
  return [
    ...(patches.length > 0
      ? [
          {
            kind: 'withdraw',
            title: 'withdraw the patch of the fixture Service (never delete it)',
            objects: patches,
            fieldManager: checkFieldManager,
          } as const,
        ]
      : []),
    ...(others.length > 0
      ? [{ kind: 'delete', title: "remove the check's configuration", objects: others } as const]
      : []),
  ];
}

/** The run's cleanup: its own objects, then the mesh it installed on a cluster it did not create. */
export function cleanupSteps(
  mesh: ClusterMesh,
  context: InstallContext,
  meshInstalledOnExisting: boolean,
): LiveStep[] {
  return [
    {
      kind: 'release',
      title: 'delete exactly what this run created: its namespaces (and everything in them)',
      record: 'run',
      files: [fixtureFiles.namespaces],
    },
    ...(meshInstalledOnExisting
      ? [
          ...mesh.uninstallSteps(context),
          {
            kind: 'release',
            title: `delete exactly what installing ${mesh.name} created (a CRD only when no resource of it is left)`,
            record: 'mesh',
            files: mesh.name === 'linkerd' ? ['linkerd-crds.yaml', 'linkerd-control-plane.yaml'] : [],
          } as const,
        ]
      : []),
  ];
}

// ---------------------------------------------------------------------------------- preflight

/**
 * Every assumption of the run proved on the cluster before any check runs (docs/cluster-contract.md,
 * "Live preflight"): proxies where they must be and nowhere else, the k6 the driver was written
 * for, the driver's exact command answered through the mesh with the expected identity, and the
 * CRDs at the versions the renderer writes.
 */
export function preflightSteps(input: {
  readonly mesh: ClusterMesh;
  readonly adapter: MeshAdapter;
  readonly names: TopologyNames;
  readonly runId: string;
  readonly timeouts: Timeouts;
  /** Everything the run's checks render, for the CRDs they need. */
  readonly resources: readonly RenderedResource[];
  readonly parse: (resources: readonly RenderedResource[]) => KubeObject[];
}): LiveStep[] {
  const { mesh, names, adapter } = input;
  const probe = toK6Plan(
    { caller: 'client', service: 'server', requests: 1 },
    `${input.runId}.preflight.`,
    input.timeouts,
    names,
  );
  const probeStep = k6RunStep(
    probe,
    'client',
    names,
    'one request from client to server with the driver command',
  );
  const versionTarget = k6ExecTarget('client', names);
  const crds = requiredCrds(input.parse(input.resources));
  return [
    ...mesh.enrolmentSteps(names),
    {
      kind: 'verify',
      title: `the k6 in the caller pods is v${k6Major} (the driver's command line is written for it)`,
      shell: [
        'kubectl',
        'exec',
        '-n',
        versionTarget.namespace,
        `deploy/${versionTarget.deployment}`,
        '-c',
        'k6',
        '--',
        'k6',
        'version',
        '--json',
      ],
      verify: async ({ exec }) => {
        const result = await exec(versionTarget, ['k6', 'version', '--json'], clusterWaits.shortExecMs);
        const version = k6VersionOf(result.stdout);
        if (!version || Number.parseInt(version, 10) !== k6Major) {
          throw new MeshproofError(
            'MESHPROOF_K6_VERSION',
            `the caller pods run k6 ${version ?? '(unreadable version)'}, but the driver is written for k6 v${k6Major}: set MESHPROOF_K6_IMAGE to a grafana/k6:${k6Major}.x image`,
          );
        }
      },
    },
    {
      kind: 'verify',
      title: `the driver's exact command gets an answer from server through the mesh, with client's identity ${adapter.identityOf('client')}`,
      shell: [
        'kubectl',
        'exec',
        '-n',
        probeStep.target.namespace,
        `deploy/${probeStep.target.deployment}`,
        '-c',
        'k6',
        '--',
        ...probeStep.argv,
      ],
      verify: async ({ exec }) => {
        const result = await exec(probeStep.target, probeStep.argv, probeStep.deadlineMs);
        const [seen] = decodeObservations(`${result.stdout}\n${result.stderr}`);
        const want = adapter.identityOf('client');
        const problem = !seen
          ? `k6 exited ${result.exitCode} without an observation (${result.stderr.trim().split('\n').slice(-2).join(' | ')})`
          : seen.outcome !== 'response' || !seen.status || seen.status >= 300
            ? `the request ended ${seen.outcome}${seen.status ? ` ${seen.status}` : ''}`
            : seen.identity?.value !== want
              ? `the echo saw identity ${JSON.stringify(seen.identity?.value ?? null)}, not ${want}`
              : undefined;
        if (problem) {
          throw new MeshproofError(
            'MESHPROOF_PREFLIGHT_FAILED',
            `the driver's command did not prove the mesh path client → server: ${problem}; the checks cannot be trusted on this cluster`,
          );
        }
      },
    },
    ...crds.map(
      (crd): LiveStep => ({
        kind: 'verify',
        title: `CRD ${crd.name} serves ${crd.versions.join(', ')} (what the renderer writes)`,
        shell: ['kubectl', 'get', 'crd', crd.name, '-o', 'jsonpath={.spec.versions[?(@.served==true)].name}'],
        verify: async ({ client }) => {
          const found = await client.crd(crd.name);
          const missing = crd.versions.filter((v) => !found?.served.includes(v));
          if (missing.length > 0) {
            throw new MeshproofError(
              'MESHPROOF_CRDS_OUT_OF_RANGE',
              found
                ? `CRD ${crd.name} serves ${found.served.join(', ') || 'nothing'}, but the renderer writes ${missing.join(', ')}: use the ${mesh.name} release meshproof renders for (${mesh.version})`
                : `CRD ${crd.name} is not installed, but the checks render ${crd.kind} ${missing.join(', ')}`,
            );
          }
        },
      }),
    ),
  ];
}

/** The CRDs (by plural name) and versions a set of rendered objects needs; core kinds need none. */
export function requiredCrds(
  objects: readonly KubeObject[],
): { name: string; kind: string; versions: string[] }[] {
  const byName = new Map<string, { name: string; kind: string; versions: string[] }>();
  for (const o of objects) {
    const [group, version] = o.apiVersion.split('/');
    if (!version || !group) continue;
    const name = `${pluralOf(o.kind)}.${group}`;
    const entry = byName.get(name) ?? { name, kind: o.kind, versions: [] };
    if (!entry.versions.includes(version)) entry.versions.push(version);
    byName.set(name, entry);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The plural resource name of a kind, as the CRDs meshproof renders name themselves (lowercase + s;
 * a consonant and y → ies: policy → policies, gateway → gateways).
 */
function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  return /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

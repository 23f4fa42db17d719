import { CoreV1Api, Metrics } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import {
  DELAY_MS_HEADER,
  PAYLOAD_BYTES_HEADER,
  REQUEST_ID_HEADER,
} from '../../fixtures/echo/echo-protocol.ts';
import {
  decodeBenchSummary,
  decodeLatencyLines,
  type K6BenchPlan,
  type K6BenchSummary,
} from '../../k6/lib/bench-summary.ts';
import { decodeObservations } from '../../k6/lib/observation.ts';
import type { K6Plan } from '../../k6/lib/plan.ts';
import {
  type KubernetesEnvironment,
  startKubernetesEnvironment,
} from '../environments/kubernetes-environment.ts';
import type { ClusterMesh } from '../meshes/cluster-mesh.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { type DataPlane, sidecarContainerOf, withoutWaypoint } from '../meshes/data-plane.ts';
import type { CallerName, Timeouts, TopologyNames } from '../model/index.ts';
import { benchTimeouts, clusterWaits } from '../model/index.ts';
import { readFixtureFiles } from '../platforms/kubernetes/fixture-files.ts';
import { fieldManager, type KubeClient, podIsServing } from '../platforms/kubernetes/kube-client.ts';
import { kube, serviceHost, versionServiceName } from '../platforms/kubernetes/kubernetes-names.ts';
import type { LiveStep, StepSection } from '../platforms/kubernetes/live-steps.ts';
import { type KubeObject, k6ScriptsMount } from '../platforms/kubernetes/render-fixtures.ts';
import { execIn } from '../platforms/kubernetes/run-live-step.ts';
import { createLatencyHistogram, recordLatencyMs } from '../stats/histogram.ts';
import { k6ExecStep, k6ExecTarget, k6RunArgv } from '../traffic/k6-driver.ts';
import { versionOf } from '../versions.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import { publishedAmbientFigures } from './bench-report.ts';
import { benchSchedule } from './bench-schedule.ts';
import {
  type BenchConfig,
  type BenchMode,
  type BenchPaths,
  type BenchRunData,
  type BenchWindow,
  isMeshedMode,
  type MeshedMode,
  type PathCheck,
} from './bench-types.ts';
import {
  type ContainerUsageSample,
  containerUsage,
  type PodMetricsListLike,
  type PodMetricsReading,
  readingsWithin,
  usageFromSamples,
} from './metrics-api.ts';
import {
  describeSite,
  type FoundPod,
  type FoundPods,
  type ProxyPods,
  proxySites,
  resolveProxyPods,
  sharedProxies,
  sharedProxyKey,
  sumUsage,
} from './proxy-sites.ts';

/** The un-injected server of the baseline: an echo Deployment and Service in the unmeshed namespace. */
export function noMeshServer(names: TopologyNames): { readonly name: string; readonly namespace: string } {
  return { name: 'server-nomesh', namespace: names.outsideNamespace };
}

/** File name of the benchmark's manifests in plan mode. */
export const benchManifestFile = 'bench.yaml';

/** How often the metrics API is read during a window (metrics-server scrapes on its own resolution). */
export const metricsIntervalMs = 5_000;

/** Where the k6 script of the benchmark is mounted in every caller pod. */
export const benchScriptPath = `${k6ScriptsMount}/bench-rate.ts`;

/**
 * Istio ambient: the Service of server-v1 that skips the waypoint (`istio.io/use-waypoint: none` on
 * the Service wins over the namespace's label: istio/istio 1.30.3
 * pilot/pkg/serviceregistry/ambient/waypoints.go `fetchWaypointForTarget`, `getUseWaypoint`), so
 * that ztunnel alone (L4) is measured next to ztunnel and the waypoint (L7, the meshed server-v1
 * Service).
 */
export const ztunnelOnlyService = 'server-v1-l4';

/** Istio's published ambient figures, per 1000 rps, that the ambient benchmark is read against (plan mode's words). */
export const ambientReference = `Istio's published figures (${publishedAmbientFigures.ztunnel.source}): ztunnel ${publishedAmbientFigures.ztunnel.cpuMillicoresPer1000Rps / 1000} vCPU and ${publishedAmbientFigures.ztunnel.memoryMB} MB, a waypoint ${publishedAmbientFigures.waypoint.cpuMillicoresPer1000Rps / 1000} vCPU and ${publishedAmbientFigures.waypoint.memoryMB} MB`;

/** The data plane of a window's path: none for the baseline and calibration, the mesh's for meshed, without the waypoint for meshed-l4. */
export function dataPlaneOf(mode: BenchMode, meshPlane: DataPlane): DataPlane {
  if (mode === 'meshed') return meshPlane;
  if (mode === 'meshed-l4') return withoutWaypoint(meshPlane);
  return { kind: 'none' };
}

/** The meshed modes a schedule measures, in order. */
export function meshedModesOf(schedule: readonly { readonly mode: BenchMode }[]): MeshedMode[] {
  return [...new Set(schedule.map((w) => w.mode))].filter(isMeshedMode);
}

/** What one window reads from the metrics API in one namespace, in words (plan mode's titles). */
export interface MetricsRead {
  readonly namespace: string;
  readonly what: readonly string[];
}

/**
 * The metrics API reads of one window (pure; the live run reads exactly these namespaces): the
 * caller's k6 and the server's echo where the ends run, every proxy of the path where it runs.
 */
export function windowMetricsReads(
  mode: BenchMode,
  meshPlane: DataPlane,
  names: TopologyNames,
): MetricsRead[] {
  const meshed = isMeshedMode(mode);
  const sites = proxySites(dataPlaneOf(mode, meshPlane));
  const reads = new Map<string, string[]>();
  const add = (namespace: string, what: string) =>
    reads.set(namespace, [...(reads.get(namespace) ?? []), what]);
  const endsNamespace = meshed ? names.meshNamespace : names.outsideNamespace;
  for (const site of sites) {
    if (site.kind === 'sidecar') {
      if (site.end === 'client') add(endsNamespace, `${site.container} (client and server-v1)`);
    } else if (site.kind === 'node-proxy') {
      if (site.end === 'client') add(site.proxy.namespace, describeNodeProxies(site.proxy.container));
    } else add(site.proxy.namespace, describeSite(site, 'server-v1'));
  }
  add(endsNamespace, meshed ? 'k6 (client) and echo (server-v1)' : 'k6 (outsider) and echo (server-nomesh)');
  return [...reads.entries()].map(([namespace, what]) => ({ namespace, what }));
}

const describeNodeProxies = (container: string) =>
  `ztunnel's ${container} on the client's and on server-v1's node`;

/** Who sends each mode's traffic: the in-mesh `client` for meshed paths, the out-of-mesh `outsider` otherwise. */
export function benchCaller(mode: BenchMode): CallerName {
  return isMeshedMode(mode) ? 'client' : 'outsider';
}

export interface BenchObjectsInput {
  readonly runId: string;
  readonly names: TopologyNames;
  readonly nodeImage: string;
  /** The echo fixture's files by name (fixture-files.ts), mounted from a ConfigMap as in the mesh namespace. */
  readonly echoFiles: Readonly<Record<string, string>>;
}

/**
 * What the benchmark deploys besides the fixtures (pure): an echo server without a sidecar in the
 * unmeshed namespace (which no mesh injects; the pod also opts out explicitly), with its own copy
 * of the echo ConfigMap (ConfigMaps are not shared across namespaces) and a Service. It gets the
 * same resources as the meshed echo, so that only the sidecars differ.
 */
export function benchKubeObjects(input: BenchObjectsInput & { readonly ambient?: boolean }): KubeObject[] {
  const labels = { [kube.runLabel]: input.runId };
  const server = noMeshServer(input.names);
  const podLabels = { app: server.name, 'sidecar.istio.io/inject': 'false' };
  const mount = '/echo';
  const ztunnelOnly: KubeObject[] = input.ambient
    ? [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name: ztunnelOnlyService,
            namespace: input.names.meshNamespace,
            labels: { ...labels, 'istio.io/use-waypoint': 'none' },
          },
          spec: {
            selector: { app: 'server', [kube.versionLabel]: 'v1' },
            ports: [
              {
                name: kube.servicePortName,
                port: kube.servicePort,
                targetPort: kube.containerPort,
                appProtocol: 'http',
              },
            ],
          },
        },
      ]
    : [];
  return [
    ...ztunnelOnly,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'echo-fixture', namespace: server.namespace, labels },
      data: { ...input.echoFiles },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: server.name, namespace: server.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: server.name } },
        template: {
          metadata: {
            labels: podLabels,
            annotations: { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' },
          },
          spec: {
            containers: [
              {
                name: 'echo',
                image: input.nodeImage,
                command: ['node', `${mount}/echo-server.ts`],
                env: [
                  { name: 'PORT', value: String(kube.containerPort) },
                  { name: 'ECHO_SERVICE', value: server.name },
                  { name: 'ECHO_VERSION', value: 'v1' },
                  { name: 'ECHO_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'ECHO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ],
                ports: [{ name: kube.servicePortName, containerPort: kube.containerPort }],
                readinessProbe: {
                  httpGet: { path: '/__echo/healthz', port: kube.containerPort },
                  periodSeconds: 2,
                },
                volumeMounts: [{ name: 'echo', mountPath: mount, readOnly: true }],
                resources: { requests: { cpu: '50m', memory: '64Mi' } },
              },
            ],
            volumes: [{ name: 'echo', configMap: { name: 'echo-fixture' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: server.name, namespace: server.namespace, labels },
      spec: {
        selector: { app: server.name },
        ports: [
          {
            name: kube.servicePortName,
            port: kube.servicePort,
            targetPort: kube.containerPort,
            appProtocol: 'http',
          },
        ],
      },
    },
  ];
}

/** The URL each mode's requests go to: the meshed server-v1 Service (its L4-only twin), or the un-injected server. */
export function benchUrl(mode: BenchMode, names: TopologyNames): string {
  const server = noMeshServer(names);
  const host =
    mode === 'meshed'
      ? serviceHost(versionServiceName('server', 'v1'), names)
      : mode === 'meshed-l4'
        ? serviceHost(ztunnelOnlyService, names)
        : `${server.name}.${server.namespace}.svc.cluster.local`;
  return `http://${host}/bench`;
}

/** The k6 plan of one window (pure). */
export function k6BenchPlanFor(
  config: BenchConfig,
  rate: number,
  mode: BenchMode,
  names: TopologyNames,
): K6BenchPlan {
  // Enough VUs for 50 ms responses at this rate before any is added mid-run; at most maxInFlight.
  const preAllocatedVUs = Math.min(config.maxInFlight, Math.max(config.connections, Math.ceil(rate * 0.05)));
  return {
    url: benchUrl(mode, names),
    method: 'GET',
    headers: {
      [PAYLOAD_BYTES_HEADER]: String(config.payloadBytes),
      ...(mode === 'calibration' ? { [DELAY_MS_HEADER]: String(config.calibrationDelayMs) } : {}),
    },
    rate,
    durationSeconds: Math.max(1, Math.round(config.durationMs / 1000)),
    warmupSeconds: Math.round(config.warmupMs / 1000),
    preAllocatedVUs,
    maxVUs: Math.min(config.maxInFlight, Math.max(preAllocatedVUs * 4, 100)),
    timeoutMs: config.timeoutMs,
  };
}

/** The `k6 run` command line of a benchmark window inside a caller pod (pure). */
export function k6BenchArgv(plan: K6BenchPlan): string[] {
  return [
    'k6',
    'run',
    '--quiet',
    '--no-usage-report',
    '--log-format=raw',
    '-e',
    `MESHPROOF_BENCH=${JSON.stringify(plan)}`,
    benchScriptPath,
  ];
}

/** The exec step of one benchmark window, bounded by its warm-up, duration and a margin. */
export function benchWindowStep(
  plan: K6BenchPlan,
  caller: CallerName,
  names: TopologyNames,
  title: string,
): Extract<LiveStep, { kind: 'exec' }> {
  const longestMs = (plan.warmupSeconds + plan.durationSeconds) * 1000 + plan.timeoutMs;
  return k6ExecStep(caller, names, k6BenchArgv(plan), longestMs, title);
}

export interface BenchPlanInput {
  readonly mesh: ClusterMesh;
  /** The mesh's data plane as the run will find it (plan mode: as it installs it). */
  readonly dataPlane: DataPlane;
  readonly config: BenchConfig;
  readonly timeouts: Timeouts;
  readonly names: TopologyNames;
}

/** The metrics API read that samples proxy CPU and memory (also what plan mode prints). */
export const podMetricsPath = (namespace: string) =>
  `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`;

/** Deploys the un-injected server and waits for it (the live benchmark runs these very steps). */
export function benchSetupSteps(
  objects: readonly KubeObject[],
  names: TopologyNames,
  timeouts: Timeouts,
): LiveStep[] {
  const server = noMeshServer(names);
  return [
    {
      kind: 'apply',
      title: `the un-injected echo server of the baseline (${server.namespace}/${server.name})`,
      file: benchManifestFile,
      objects,
      fieldManager,
    },
    {
      kind: 'rollout',
      title: `wait for ${server.name}`,
      deployments: [server],
      timeoutMs: timeouts.workloadStartMs,
    },
  ];
}

/** Removes what the benchmark deployed (its ConfigMap goes with the run's namespace). */
export function benchTeardownSteps(objects: readonly KubeObject[]): LiveStep[] {
  return [
    {
      kind: 'delete',
      title: 'remove the un-injected server',
      objects: objects.filter((o) => o.kind !== 'ConfigMap'),
    },
  ];
}

/** One read of the metrics API, as plan mode shows it (the live run reads the same path). */
function metricsReadStep(title: string, namespace: string): LiveStep {
  return {
    kind: 'verify',
    title,
    shell: ['kubectl', 'get', '--raw', podMetricsPath(namespace)],
    verify: async () => undefined,
  };
}

/** The k6 step of one scheduled window (pure). */
export function benchWindowStepFor(
  config: BenchConfig,
  window: { readonly repetition: number; readonly rateRps: number; readonly mode: BenchMode },
  names: TopologyNames,
): Extract<LiveStep, { kind: 'exec' }> {
  const caller = benchCaller(window.mode);
  const to: Record<BenchMode, string> = {
    meshed: 'in the mesh, to the meshed server-v1',
    'meshed-l4': `in the mesh, to ${ztunnelOnlyService} (istio.io/use-waypoint: none: client's ztunnel → HBONE → server's ztunnel, no waypoint)`,
    baseline: 'outside the mesh, to the un-injected server',
    calibration: 'outside the mesh, to the un-injected server',
  };
  return benchWindowStep(
    k6BenchPlanFor(config, window.rateRps, window.mode, names),
    caller,
    names,
    `repetition ${window.repetition}, ${window.rateRps} rps, ${window.mode}: k6 constant-arrival-rate from ${caller} (${to[window.mode]}); dropped_iterations reported`,
  );
}

/**
 * The benchmark's steps on a cluster, in the order a live run executes them (pure): deploy the
 * un-injected server, then for every window a k6 constant-arrival-rate run from the in-mesh or
 * out-of-mesh caller pod while the metrics API is read where the path's proxies and ends run
 * (`windowMetricsReads`), then remove what it deployed.
 */
export function benchPlanSteps(
  input: BenchPlanInput & { readonly objects: readonly KubeObject[] },
): LiveStep[] {
  const { config, timeouts, names, dataPlane } = input;
  const steps: LiveStep[] = [
    ...benchSetupSteps(input.objects, names, timeouts),
    metricsReadStep(
      'metrics API present (k3s ships metrics-server): proxy, k6 and echo CPU and memory are read from it',
      names.meshNamespace,
    ),
    ...proxyPodsSteps(dataPlane, names, meshedModesOf(benchSchedule(config))),
  ];
  for (const window of benchSchedule(config)) {
    steps.push(
      benchWindowStepFor(config, window, names),
      ...windowMetricsReads(window.mode, dataPlane, names).map((read) =>
        metricsReadStep(
          `while it runs, every ${metricsIntervalMs / 1000} s, in ${read.namespace}: ${read.what.join('; ')} CPU and memory per container (metrics API); only readings whose rate window lies inside the measured window count`,
          read.namespace,
        ),
      ),
    );
  }
  steps.push(...benchTeardownSteps(input.objects));
  return steps;
}

/** Plan mode: the benchmark's section of commands.sh (pure). */
export function benchPlanSection(
  input: BenchPlanInput & { readonly objects: readonly KubeObject[] },
): StepSection {
  const { config } = input;
  return {
    heading:
      input.dataPlane.kind === 'ambient'
        ? `ambient-overhead benchmark: ${config.rates.join('/')} rps × ${config.repetitions} repetition(s) × ${config.durationMs / 1000} s, baseline (no mesh), ztunnel only (L4) and ztunnel with the waypoint (L7); ztunnel and waypoint CPU and memory per 1000 rps, read against ${ambientReference}`
        : `sidecar-overhead benchmark: ${config.rates.join('/')} rps × ${config.repetitions} repetition(s) × ${config.durationMs / 1000} s, baseline (no sidecars) and meshed`,
    steps: benchPlanSteps(input),
  };
}

/** Plan mode: the benchmark's manifest file (pure). */
export function benchPlanFiles(
  input: BenchObjectsInput & { readonly ambient?: boolean },
): Record<string, string> {
  return {
    [benchManifestFile]: benchKubeObjects(input)
      .map((o) => stringify(o, { lineWidth: 0 }))
      .join('---\n'),
  };
}

/**
 * Everything plan mode needs for the benchmark with the default sweep (and calibration): the
 * section for buildPlan's `extraSections` and the manifest file to add to the plan's files (pure).
 */
export function benchPlan(input: {
  readonly mesh: ClusterMesh;
  readonly timeouts: Timeouts;
  readonly nodeImage: string;
  readonly echoFiles: Readonly<Record<string, string>>;
  readonly names: TopologyNames;
}): { section: StepSection; files: Record<string, string> } {
  const config = benchConfigFromFlags(
    { calibrate: true },
    { mesh: input.mesh.name, platform: 'k3s', output: 'reports', installMesh: false },
  );
  const dataPlane = input.mesh.dataPlane(
    input.mesh.expected({ runId: 'plan', clusterCreatedByRun: true, workDir: '.' }),
    input.names,
  );
  const objectsInput = {
    runId: 'plan',
    names: input.names,
    nodeImage: input.nodeImage,
    echoFiles: input.echoFiles,
    ambient: dataPlane.kind === 'ambient',
  };
  return {
    section: benchPlanSection({
      mesh: input.mesh,
      dataPlane,
      config,
      timeouts: input.timeouts,
      names: input.names,
      objects: benchKubeObjects(objectsInput),
    }),
    files: benchPlanFiles(objectsInput),
  };
}

/** The usage of one container across the metrics samples of a window. */
export function usageOf(
  samples: readonly { readonly list: PodMetricsListLike; readonly pod: string }[],
  container: string,
): ReturnType<typeof usageFromSamples> {
  const values = samples
    .map((s) => containerUsage(s.list, s.pod, container))
    .filter((u): u is ContainerUsageSample => u !== undefined);
  return usageFromSamples(values);
}

/** One window from k6's output and the metrics read while it ran (pure). */
export function windowFromK6(input: {
  readonly rateRps: number;
  readonly mode: BenchMode;
  readonly repetition: number;
  readonly durationMs: number;
  readonly output: string;
  readonly proxies: BenchWindow['proxies'];
  readonly generator: ReturnType<typeof usageFromSamples>;
  readonly app: ReturnType<typeof usageFromSamples>;
}): BenchWindow {
  const { latenciesUs, statuses } = decodeLatencyLines(input.output);
  const summary: K6BenchSummary | undefined = decodeBenchSummary(input.output);
  const latency = createLatencyHistogram();
  const errorKinds: Record<string, number> = {};
  let ok = 0;
  latenciesUs.forEach((us, i) => {
    const status = statuses[i] ?? 0;
    if (status >= 200 && status < 300) ok++;
    else {
      const kind = status === 0 ? 'no response' : `status ${status}`;
      errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    }
    if (status !== 0) recordLatencyMs(latency, us / 1000);
  });
  const sent = latenciesUs.length;
  const dropped = summary?.droppedIterations ?? 0;
  return {
    rateRps: input.rateRps,
    mode: input.mode,
    repetition: input.repetition,
    scheduled: sent + dropped,
    sent,
    ok,
    errors: sent - ok,
    errorKinds,
    dropped,
    late: null,
    elapsedMs: input.durationMs,
    achievedRps: ok / (input.durationMs / 1000),
    latency,
    serviceTime: null,
    sendLag: null,
    generator: { cpuMillicores: input.generator?.cpuMillicores.avg ?? null, eventLoopUtilization: null },
    proxies: input.proxies,
    app: input.app,
    machineBusy: null,
  };
}

export interface ClusterBenchOptions {
  readonly config: BenchConfig;
  readonly runId: string;
  readonly mesh: ClusterMesh;
  readonly harnessVersion: string;
  readonly log: (line: string) => void;
}

/** What the live benchmark needs of a started cluster environment. */
export type BenchEnvironmentInput = Pick<
  KubernetesEnvironment,
  'client' | 'names' | 'timeouts' | 'found' | 'meshVersion' | 'mesh'
>;

/** The paths in words, from the data plane (pure): what bench.json says was measured. */
export function benchPaths(meshPlane: DataPlane, names: TopologyNames, config: BenchConfig): BenchPaths {
  const server = noMeshServer(names);
  const common = {
    baseline: `k6 in the outsider pod (no proxy) → ${server.namespace}/${server.name} (no proxy): no mTLS`,
    calibration: `the baseline path with ${DELAY_MS_HEADER}: ${config.calibrationDelayMs} (the echo waits before answering)`,
  };
  if (meshPlane.kind !== 'ambient') {
    const proxy = sidecarContainerOf(meshPlane) ?? 'proxy';
    return {
      ...common,
      meshed: `k6 in the client pod → its ${proxy} → mTLS → server-v1's ${proxy} → server-v1's echo`,
    };
  }
  return {
    ...common,
    meshed:
      "k6 in the client pod → ztunnel on the client's node → HBONE (mTLS) → the waypoint (L7) → HBONE → ztunnel on server-v1's node → server-v1's echo",
    'meshed-l4': `k6 in the client pod → ztunnel on the client's node → HBONE (mTLS) → ztunnel on server-v1's node → server-v1's echo (Service ${ztunnelOnlyService}, istio.io/use-waypoint: none: no waypoint)`,
  };
}

/** The pods of a selector that serve now, with their nodes. */
async function servingPods(client: KubeClient, namespace: string, selector: string): Promise<FoundPod[]> {
  return (await client.pods(namespace, selector))
    .filter(podIsServing)
    .map((p) => ({ name: p.metadata?.name ?? '', node: p.spec?.nodeName }));
}

/** The selectors of the meshed path's two ends: the in-mesh client and server-v1. */
const endSelectors = { client: 'app=client', server: `app=server,${kube.versionLabel}=v1` } as const;

/**
 * Every proxy of every meshed path, resolved to its pods (coded refusals when one is not where
 * the data plane says: no ztunnel on an end's node, no serving waypoint). The live run measures
 * only after this; plan mode writes it as a verify step.
 */
export async function findProxyPods(
  client: KubeClient,
  names: TopologyNames,
  meshPlane: DataPlane,
  modes: readonly MeshedMode[],
): Promise<{ readonly found: FoundPods; readonly byMode: ReadonlyMap<MeshedMode, ProxyPods[]> }> {
  const end = async (selector: string, label: string) => {
    const [pod] = await servingPods(client, names.meshNamespace, selector);
    if (!pod) throw new Error(`no serving pod for ${selector} in ${names.meshNamespace}`);
    return { ...pod, namespace: names.meshNamespace, label };
  };
  const shared = new Map<string, FoundPod[]>();
  for (const proxy of sharedProxies(proxySites(meshPlane))) {
    shared.set(sharedProxyKey(proxy), await servingPods(client, proxy.namespace, proxy.podSelector));
  }
  const found: FoundPods = {
    ends: {
      client: await end(endSelectors.client, 'client'),
      server: await end(endSelectors.server, 'server-v1'),
    },
    shared,
  };
  return {
    found,
    byMode: new Map(modes.map((m) => [m, resolveProxyPods(proxySites(dataPlaneOf(m, meshPlane)), found)])),
  };
}

/**
 * The steps that find the proxies' pods (pure): the first shows the run's pods with their nodes
 * and proves every proxy of the meshed paths is where the data plane says; the others show the
 * shared proxies' pods with their nodes (ztunnel, in its own namespace).
 */
export function proxyPodsSteps(
  meshPlane: DataPlane,
  names: TopologyNames,
  modes: readonly MeshedMode[],
): LiveStep[] {
  const podsWithNodes = (namespace: string, selector?: string) => [
    'kubectl',
    'get',
    'pods',
    '-n',
    namespace,
    ...(selector ? ['-l', selector] : []),
    '-o',
    'custom-columns=POD:.metadata.name,NODE:.spec.nodeName',
  ];
  const elsewhere = sharedProxies(proxySites(meshPlane)).filter((p) => p.namespace !== names.meshNamespace);
  return [
    {
      kind: 'verify',
      title:
        meshPlane.kind === 'ambient'
          ? "the proxies of the meshed paths are where the data plane says: one serving ztunnel on the client's node and one on server-v1's node, and a serving waypoint pod (else MESHPROOF_PREFLIGHT_FAILED, before any window)"
          : 'the proxies of the meshed path: the sidecars of the client and server-v1 pods',
      shell: podsWithNodes(names.meshNamespace),
      verify: async ({ client }) => {
        await findProxyPods(client, names, meshPlane, modes);
      },
    },
    ...elsewhere.map(
      (proxy): LiveStep => ({
        kind: 'verify',
        title: `the pods of ${proxy.namespace} (${proxy.podSelector}) and their nodes`,
        shell: podsWithNodes(proxy.namespace, proxy.podSelector),
        verify: async () => undefined,
      }),
    ),
  ];
}

/**
 * The benchmark on a cluster whose mesh and fixtures are up (live path): deploys the un-injected
 * server, finds the pods of every proxy on the meshed paths (coded errors when a path's proxy is
 * not where the data plane says), checks each path with one request, runs every window with k6 in
 * the caller pods while reading the metrics API, and returns the observations for the pure report
 * builder. Every cluster step is one of `benchPlanSteps`, the steps plan mode writes.
 */
export async function runClusterBench(
  env: BenchEnvironmentInput,
  options: ClusterBenchOptions,
): Promise<BenchRunData> {
  const { config, log, mesh } = options;
  const { client, names } = env;
  const timeouts = env.timeouts;
  const startedAt = new Date().toISOString();
  const meshPlane = mesh.dataPlane(env.found, names);
  const { echoFiles } = await readFixtureFiles();
  const objects = benchKubeObjects({
    runId: options.runId,
    names,
    nodeImage: versionOf('nodeImage'),
    echoFiles,
    ambient: meshPlane.kind === 'ambient',
  });
  for (const step of benchSetupSteps(objects, names, timeouts)) {
    if (step.kind === 'apply') await client.apply(step.objects, step.fieldManager);
    if (step.kind === 'rollout') await client.waitForRollout(step.deployments, step.timeoutMs);
  }
  const server = noMeshServer(names);
  const metrics = new Metrics(client.config);
  const firstPod = async (namespace: string, selector: string) => {
    const [pod] = await servingPods(client, namespace, selector);
    if (!pod) throw new Error(`no serving pod for ${selector} in ${namespace}`);
    return pod.name;
  };
  const schedule = benchSchedule(config);
  const meshedModes = meshedModesOf(schedule);
  // Where every proxy of every meshed path runs, before anything is measured.
  const { found, byMode: proxiesByMode } = await findProxyPods(client, names, meshPlane, meshedModes);
  const pods = {
    client: found.ends.client.name,
    outsider: await firstPod(names.outsideNamespace, 'app=outsider'),
    server: found.ends.server.name,
    noMesh: await firstPod(server.namespace, `app=${server.name}`),
  };

  // The paths, with one request each (the conformance k6 script): identity only over mTLS (in
  // ambient: the waypoint's XFCC, so none on the L4 path, which has no waypoint).
  const probe = async (mode: BenchMode) => {
    const plan: K6Plan = {
      url: benchUrl(mode, names),
      method: 'GET',
      headers: {},
      requests: 1,
      concurrency: 1,
      timeoutMs: config.timeoutMs,
      maxDurationSeconds: benchTimeouts.pathProbeMs / 1000,
      requestIdPrefix: `${options.runId}.bench-path.${mode}.`,
      requestIdHeader: REQUEST_ID_HEADER,
    };
    const { stdout, stderr } = await execIn(
      client,
      k6ExecTarget(benchCaller(mode), names),
      k6RunArgv(plan),
      plan.maxDurationSeconds * 1000 + clusterWaits.execMarginMs,
    );
    const [observation] = decodeObservations(`${stdout}\n${stderr}`);
    return { status: observation?.status ?? 0, identity: observation?.identity?.value ?? null };
  };
  const pathCheck: PathCheck = {
    baseline: await probe('baseline'),
    meshed: await probe('meshed'),
    ...(meshedModes.includes('meshed-l4') ? { meshedL4: await probe('meshed-l4') } : {}),
    expectedIdentity: env.mesh.identityOf('client'),
  };

  const windows: BenchWindow[] = [];
  let cpuUnmeasured = 0;
  for (const window of schedule) {
    const { repetition, rateRps, mode } = window;
    const caller = benchCaller(mode);
    // Every reading of every pod, keyed by its own timestamp (the API repeats a scrape until the next).
    const readings = new Map<string, PodMetricsReading>();
    const windowStart = Date.now() + config.warmupMs;
    const namespaces = windowMetricsReads(mode, meshPlane, names).map((r) => r.namespace);
    const read = async () => {
      for (const namespace of namespaces) {
        const list = await metrics.getPodMetrics(namespace).catch(() => undefined);
        for (const item of list?.items ?? []) {
          readings.set(
            `${namespace}/${item.metadata.name}@${item.timestamp}`,
            item as unknown as PodMetricsReading,
          );
        }
      }
    };
    const timer = setInterval(() => void read(), metricsIntervalMs);
    const step = benchWindowStepFor(config, window, names);
    let output: string;
    let windowEnd: number;
    try {
      const result = await execIn(client, step.target, step.argv, step.deadlineMs);
      windowEnd = Date.now();
      output = `${result.stdout}\n${result.stderr}`;
      if (result.exitCode !== 0 && !decodeBenchSummary(output)) {
        throw new Error(
          `k6 in ${caller}'s pod exited ${result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
        );
      }
    } finally {
      clearInterval(timer);
    }
    await read();
    // Only readings whose own rate window lies inside the measured part (metrics-server's CPU is a
    // rate over [timestamp − window, timestamp]): a longer window would mix in its neighbours.
    const inside = readingsWithin([...readings.values()], windowStart, windowEnd);
    if (inside.length === 0) cpuUnmeasured++;
    const of = (pod: string) =>
      inside.filter((r) => r.metadata.name === pod).map((r) => ({ list: { items: [r] }, pod }));
    const onPath = isMeshedMode(mode) ? (proxiesByMode.get(mode) ?? []) : [];
    const result = windowFromK6({
      rateRps,
      mode,
      repetition,
      durationMs: k6BenchPlanFor(config, rateRps, mode, names).durationSeconds * 1000,
      output,
      proxies: Object.fromEntries(
        onPath.map((p) => [p.role, sumUsage(p.pods.map((pod) => usageOf(of(pod), p.container)))]),
      ),
      generator: usageOf(of(caller === 'outsider' ? pods.outsider : pods.client), 'k6'),
      app: usageOf(of(caller === 'client' ? pods.server : pods.noMesh), 'echo'),
    });
    windows.push(result);
    log(
      `  [${windows.length}/${schedule.length}] ${rateRps} rps ${mode} #${repetition}: ${result.achievedRps.toFixed(1)} rps, ${result.dropped} dropped`,
    );
  }
  for (const step of benchTeardownSteps(objects))
    if (step.kind === 'delete') await client.delete(step.objects);

  const nodes = await client.config.makeApiClient(CoreV1Api).listNode();
  const cores = nodes.items.reduce((sum, n) => sum + Number.parseFloat(n.status?.allocatable?.cpu ?? '0'), 0);
  const proxyNames = Object.fromEntries(
    [...proxiesByMode.values()].flat().map((p) => [p.role, p.name]),
  ) as BenchRunData['proxyNames'];
  const proxyContainers = [...new Set([...proxiesByMode.values()].flat().map((p) => p.container))];
  return {
    runId: options.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    config,
    environment: {
      platform: config.platform,
      mesh: config.mesh,
      meshVersion: env.meshVersion,
      proxy: {
        name:
          meshPlane.kind === 'ambient'
            ? `ztunnel and waypoint (${proxyContainers.join(', ')})`
            : proxyContainers.join(', '),
        version: env.meshVersion,
      },
      cores,
      cpuModel: 'cluster nodes (allocatable CPU summed)',
      os: nodes.items[0]?.status?.nodeInfo?.osImage ?? 'unknown',
      node: process.version,
      harnessVersion: options.harnessVersion,
      loadAverageAtStart: [],
      kubernetesVersion: await client.serverVersion(),
    },
    paths: benchPaths(meshPlane, names, config),
    pathCheck,
    proxyNames,
    windows,
    halves: [],
    capacity: null,
    notes: [
      "k6's constant-arrival-rate executor starts each iteration on schedule or drops it (dropped_iterations): latencies are of on-schedule requests, and drops invalidate a window.",
      `Proxy and k6 CPU and memory come from the metrics API (metrics-server), per container (${proxyContainers.join(', ')}), read every ${metricsIntervalMs / 1000} s; a reading is a rate over metrics-server's own window and counts only when that window lies inside the measured one.`,
      ...(meshPlane.kind === 'ambient'
        ? [
            "ztunnel is one pod per node, shared by every pod there: its figures are the node's ztunnel while only the benchmark's traffic passes it (the run's other pods are idle), and a ztunnel that carries both ends (client and server-v1 on one node) is read once, as `ztunnel`.",
            `The L7 windows (meshed) go through the waypoint; the L4 windows (meshed-l4) go to the Service ${ztunnelOnlyService}, labelled istio.io/use-waypoint: none, which no waypoint serves. The waypoint writes the caller's identity as X-Forwarded-Client-Cert, so the path check proves it is on the L7 path and absent from the L4 one.`,
          ]
        : []),
      ...(cpuUnmeasured > 0
        ? [
            `${cpuUnmeasured} of ${schedule.length} window(s) had no metrics reading whose window lies inside them (metrics-server's window is longer): their CPU is not reported; measure longer windows (--duration 40s or more) to have it.`,
          ]
        : []),
      ...(config.driverCapacity
        ? ['The driver-capacity comparison with wrk runs on the local platform only.']
        : []),
    ],
  };
}

/** `meshproof bench` on k3s or an existing cluster: the platform and mesh up, the benchmark, all torn down. */
export async function runClusterBenchOnPlatform(
  config: BenchConfig,
  options: {
    readonly runId: string;
    readonly workDir: string;
    readonly harnessVersion: string;
    readonly log: (line: string) => void;
  },
): Promise<BenchRunData> {
  if (config.mesh === 'reference' || config.platform === 'local') {
    throw new Error(`mesh ${config.mesh} on platform ${config.platform} is not a cluster benchmark`);
  }
  const mesh = clusterMeshFor(config.mesh);
  const env = await startKubernetesEnvironment({
    runId: options.runId,
    platform: config.platform,
    mesh,
    workDir: options.workDir,
    intents: [],
    ...(config.context ? { context: config.context } : {}),
    installMesh: config.installMesh,
    log: options.log,
  });
  try {
    return await runClusterBench(env, {
      config,
      runId: options.runId,
      mesh,
      harnessVersion: options.harnessVersion,
      log: options.log,
    });
  } finally {
    await env[Symbol.asyncDispose]();
  }
}

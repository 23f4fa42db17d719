import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import type { ClusterMesh } from '../meshes/cluster-mesh.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import type { CallerName, MeshName, Timeouts } from '../model/index.ts';
import type { CliStep } from '../platforms/kubernetes/cli-steps.ts';
import { readFixtureFiles } from '../platforms/kubernetes/fixture-files.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { startKubernetesEnvironment } from '../platforms/kubernetes/kubernetes-environment.ts';
import { kube, serviceHost, versionServiceName } from '../platforms/kubernetes/kubernetes-names.ts';
import {
  callerDeployment,
  type KubeObject,
  k6ScriptsMount,
} from '../platforms/kubernetes/render-fixtures.ts';
import { createLatencyHistogram, recordLatencyMs } from '../stats/histogram.ts';
import { k6RunArgv } from '../traffic/k6-driver.ts';
import { versionOf } from '../versions.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import { benchSchedule } from './bench-schedule.ts';
import type { BenchConfig, BenchMode, BenchRunData, BenchWindow, PathCheck } from './bench-types.ts';
import {
  type ContainerUsageSample,
  containerUsage,
  type PodMetricsListLike,
  usageFromSamples,
} from './metrics-api.ts';

/** The un-injected server of the baseline: an echo Deployment and Service outside the mesh. */
export const noMeshServer = { name: 'server-nomesh', namespace: kube.outsideNamespace } as const;

/** File name of the benchmark's manifests in plan mode. */
export const benchManifestFile = 'bench.yaml';

/** How often the metrics API is read during a window (metrics-server itself scrapes every 15 s on k3s). */
export const metricsIntervalMs = 5_000;

/** Where the k6 script of the benchmark is mounted in every caller pod. */
export const benchScriptPath = `${k6ScriptsMount}/bench-rate.ts`;

/** The proxy container each mesh injects. */
export function proxyContainerOf(mesh: Exclude<MeshName, 'reference'>): string {
  return mesh === 'istio' ? 'istio-proxy' : 'linkerd-proxy';
}

/** Who sends each mode's traffic: the in-mesh `client` for meshed, the out-of-mesh `outsider` otherwise. */
export function benchCaller(mode: BenchMode): CallerName {
  return mode === 'meshed' ? 'client' : 'outsider';
}

export interface BenchObjectsInput {
  readonly runId: string;
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
export function benchKubeObjects(input: BenchObjectsInput): KubeObject[] {
  const labels = { [kube.runLabel]: input.runId };
  const podLabels = { app: noMeshServer.name, 'sidecar.istio.io/inject': 'false' };
  const mount = '/echo';
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'echo-fixture', namespace: noMeshServer.namespace, labels },
      data: { ...input.echoFiles },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: noMeshServer.name, namespace: noMeshServer.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: noMeshServer.name } },
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
                  { name: 'ECHO_SERVICE', value: noMeshServer.name },
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
      metadata: { name: noMeshServer.name, namespace: noMeshServer.namespace, labels },
      spec: {
        selector: { app: noMeshServer.name },
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

/** The URL each mode's requests go to: the meshed server-v1 Service, or the un-injected server. */
export function benchUrl(mode: BenchMode): string {
  const host =
    mode === 'meshed'
      ? serviceHost(versionServiceName('server', 'v1'))
      : `${noMeshServer.name}.${noMeshServer.namespace}.svc.cluster.local`;
  return `http://${host}/bench`;
}

/** The k6 plan of one window (pure). */
export function k6BenchPlanFor(config: BenchConfig, rate: number, mode: BenchMode): K6BenchPlan {
  // Enough VUs for 50 ms responses at this rate before any is added mid-run; at most maxInFlight.
  const preAllocatedVUs = Math.min(config.maxInFlight, Math.max(config.connections, Math.ceil(rate * 0.05)));
  return {
    url: benchUrl(mode),
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

function kubectlExec(caller: CallerName, argv: readonly string[], title: string): CliStep {
  const { namespace, name } = callerDeployment(caller);
  return { title, argv: ['kubectl', 'exec', '-n', namespace, `deploy/${name}`, '-c', 'k6', '--', ...argv] };
}

export interface BenchPlanInput {
  readonly mesh: ClusterMesh;
  readonly config: BenchConfig;
  readonly timeouts: Timeouts;
}

/** The metrics API read that samples proxy CPU and memory (also what plan mode prints). */
export const podMetricsPath = (namespace: string) =>
  `/apis/metrics.k8s.io/v1beta1/namespaces/${namespace}/pods`;

/**
 * The benchmark's steps on a cluster, in the order a live run executes them (pure): deploy the
 * un-injected server, then for every window a k6 constant-arrival-rate run from the in-mesh or
 * out-of-mesh caller pod while the metrics API is sampled, then remove what it deployed.
 */
export function benchPlanSteps(input: BenchPlanInput): CliStep[] {
  const { config, mesh, timeouts } = input;
  const proxy = proxyContainerOf(mesh.adapter.name === 'reference' ? 'istio' : mesh.adapter.name);
  const steps: CliStep[] = [
    {
      title: `the un-injected echo server of the baseline (${noMeshServer.namespace}/${noMeshServer.name})`,
      argv: ['kubectl', 'apply', '--server-side', '--field-manager=meshproof', '-f', benchManifestFile],
    },
    {
      title: `wait for ${noMeshServer.name}`,
      argv: [
        'kubectl',
        'rollout',
        'status',
        '-n',
        noMeshServer.namespace,
        `deploy/${noMeshServer.name}`,
        `--timeout=${timeouts.workloadStartMs / 1000}s`,
      ],
    },
    {
      title: `metrics API present (k3s ships metrics-server): ${proxy} CPU and memory are read from it`,
      argv: ['kubectl', 'get', '--raw', podMetricsPath(kube.meshNamespace)],
    },
  ];
  for (const window of benchSchedule(config)) {
    const caller = benchCaller(window.mode);
    steps.push(
      kubectlExec(
        caller,
        k6BenchArgv(k6BenchPlanFor(config, window.rateRps, window.mode)),
        `repetition ${window.repetition}, ${window.rateRps} rps, ${window.mode}: k6 constant-arrival-rate from ${caller} (${window.mode === 'meshed' ? 'in the mesh, to the meshed server-v1' : 'outside the mesh, to the un-injected server'}); dropped_iterations reported`,
      ),
      {
        title: `while it runs, every ${metricsIntervalMs / 1000} s: ${proxy} and k6 CPU and memory per container (metrics API)`,
        argv: ['kubectl', 'get', '--raw', podMetricsPath(kube.meshNamespace)],
      },
    );
  }
  steps.push({
    title: 'remove the un-injected server',
    argv: ['kubectl', 'delete', '--ignore-not-found', '-f', benchManifestFile],
  });
  return steps;
}

/** Plan mode: the benchmark's section of commands.sh (pure). */
export function benchPlanSection(input: BenchPlanInput): { heading: string; steps: CliStep[] } {
  const { config } = input;
  return {
    heading: `sidecar-overhead benchmark: ${config.rates.join('/')} rps × ${config.repetitions} repetition(s) × ${config.durationMs / 1000} s, baseline (no sidecars) and meshed`,
    steps: benchPlanSteps(input),
  };
}

/** Plan mode: the benchmark's manifest file (pure). */
export function benchPlanFiles(input: BenchObjectsInput): Record<string, string> {
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
}): { section: { heading: string; steps: CliStep[] }; files: Record<string, string> } {
  const mesh = input.mesh.adapter.name === 'linkerd' ? 'linkerd' : 'istio';
  const config = benchConfigFromFlags(
    { calibrate: true },
    { mesh, platform: 'k3s', output: 'reports', installMesh: false },
  );
  return {
    section: benchPlanSection({ mesh: input.mesh, config, timeouts: input.timeouts }),
    files: benchPlanFiles({ runId: 'plan', nodeImage: input.nodeImage, echoFiles: input.echoFiles }),
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
  readonly meshVersion: string;
  readonly harnessVersion: string;
  readonly timeouts: Timeouts;
  readonly log: (line: string) => void;
}

async function podOf(client: KubeClient, namespace: string, selector: string): Promise<string> {
  const [pod] = await client.podNames(namespace, selector);
  if (!pod) throw new Error(`no running pod for ${selector} in ${namespace}`);
  return pod;
}

/**
 * The benchmark on a cluster whose mesh and fixtures are up (live path): deploys the un-injected
 * server, runs every window with k6 in the caller pods while sampling the metrics API, and
 * returns the observations for the pure report builder.
 */
export async function runClusterBench(
  client: KubeClient,
  options: ClusterBenchOptions,
): Promise<BenchRunData> {
  const { config, log, mesh } = options;
  const startedAt = new Date().toISOString();
  const { echoFiles } = await readFixtureFiles();
  const objects = benchKubeObjects({ runId: options.runId, nodeImage: versionOf('nodeImage'), echoFiles });
  await client.apply(objects);
  await client.waitForRollout(
    [{ namespace: noMeshServer.namespace, name: noMeshServer.name }],
    options.timeouts.workloadStartMs,
  );

  const proxy = proxyContainerOf(mesh.adapter.name === 'reference' ? 'istio' : mesh.adapter.name);
  const metrics = new Metrics(client.config);
  const pods = {
    client: await podOf(client, kube.meshNamespace, 'app=client'),
    outsider: await podOf(client, kube.outsideNamespace, 'app=outsider'),
    server: await podOf(client, kube.meshNamespace, `app=server,${kube.versionLabel}=v1`),
    noMesh: await podOf(client, noMeshServer.namespace, `app=${noMeshServer.name}`),
  };
  const execIn = (caller: CallerName, argv: readonly string[]) => {
    const { namespace } = callerDeployment(caller);
    return client.exec(namespace, caller === 'outsider' ? pods.outsider : pods.client, 'k6', argv);
  };

  // The paths, with one request each (the conformance k6 script): identity only over mTLS.
  const probe = async (mode: BenchMode) => {
    const plan: K6Plan = {
      url: benchUrl(mode),
      method: 'GET',
      headers: {},
      requests: 1,
      concurrency: 1,
      timeoutMs: config.timeoutMs,
      maxDurationSeconds: 60,
      requestIdPrefix: `${options.runId}.bench-path.${mode}.`,
      requestIdHeader: REQUEST_ID_HEADER,
    };
    const { stdout, stderr } = await execIn(benchCaller(mode), k6RunArgv(plan));
    const [observation] = decodeObservations(`${stdout}\n${stderr}`);
    return { status: observation?.status ?? 0, identity: observation?.identity?.value ?? null };
  };
  const pathCheck: PathCheck = {
    baseline: await probe('baseline'),
    meshed: await probe('meshed'),
    expectedIdentity: mesh.adapter.identityOf('client'),
  };

  const windows: BenchWindow[] = [];
  const schedule = benchSchedule(config);
  for (const { repetition, rateRps, mode } of schedule) {
    const caller = benchCaller(mode);
    // One reading per pod and metrics-server scrape (the API repeats its last scrape until the next).
    const samples = new Map<string, { list: PodMetricsListLike; pod: string }>();
    const windowStart = Date.now() + config.warmupMs;
    const read = async () => {
      for (const namespace of [kube.meshNamespace, kube.outsideNamespace]) {
        const list = await metrics.getPodMetrics(namespace).catch(() => undefined);
        for (const item of list?.items ?? []) {
          // Only scrapes taken during the measured part.
          if (!(Date.parse(item.timestamp) >= windowStart)) continue;
          samples.set(`${namespace}/${item.metadata.name}@${item.timestamp}`, {
            list: { items: [item] },
            pod: item.metadata.name,
          });
        }
      }
    };
    const timer = setInterval(() => void read(), metricsIntervalMs);
    const plan = k6BenchPlanFor(config, rateRps, mode);
    let output: string;
    try {
      const result = await execIn(caller, k6BenchArgv(plan));
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
    const of = (pod: string) => [...samples.values()].filter((s) => s.pod === pod);
    const window = windowFromK6({
      rateRps,
      mode,
      repetition,
      durationMs: plan.durationSeconds * 1000,
      output,
      proxies:
        mode === 'meshed'
          ? {
              'client-sidecar': usageOf(of(pods.client), proxy),
              'server-sidecar': usageOf(of(pods.server), proxy),
            }
          : {},
      generator: usageOf(of(caller === 'outsider' ? pods.outsider : pods.client), 'k6'),
      app: usageOf(of(mode === 'meshed' ? pods.server : pods.noMesh), 'echo'),
    });
    windows.push(window);
    log(
      `  [${windows.length}/${schedule.length}] ${rateRps} rps ${mode} #${repetition}: ${window.achievedRps.toFixed(1)} rps, ${window.dropped} dropped`,
    );
  }
  await client.delete(objects.filter((o) => o.kind !== 'ConfigMap'));

  const nodes = await client.config.makeApiClient(CoreV1Api).listNode();
  const cores = nodes.items.reduce((sum, n) => sum + Number.parseFloat(n.status?.allocatable?.cpu ?? '0'), 0);
  return {
    runId: options.runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    config,
    environment: {
      platform: config.platform,
      mesh: config.mesh,
      meshVersion: options.meshVersion,
      proxy: { name: proxy, version: options.meshVersion },
      cores,
      cpuModel: 'cluster nodes (allocatable CPU summed)',
      os: nodes.items[0]?.status?.nodeInfo?.osImage ?? 'unknown',
      node: process.version,
      harnessVersion: options.harnessVersion,
      loadAverageAtStart: [],
      kubernetesVersion: await client.serverVersion(),
    },
    paths: {
      baseline: `k6 in the outsider pod (no sidecar) → ${noMeshServer.namespace}/${noMeshServer.name} (no sidecar): no mTLS`,
      meshed: `k6 in the client pod → its ${proxy} → mTLS → server-v1's ${proxy} → server-v1's echo`,
      calibration: `the baseline path with ${DELAY_MS_HEADER}: ${config.calibrationDelayMs} (the echo waits before answering)`,
    },
    pathCheck,
    proxyNames: { 'client-sidecar': `${proxy} (client)`, 'server-sidecar': `${proxy} (server-v1)` },
    windows,
    halves: [],
    capacity: null,
    notes: [
      "k6's constant-arrival-rate executor starts each iteration on schedule or drops it (dropped_iterations): latencies are of on-schedule requests, and drops invalidate a window.",
      `Proxy and k6 CPU and memory come from the metrics API (metrics-server), container ${proxy}, read every ${metricsIntervalMs / 1000} s; each reading is metrics-server's own average over its scrape window.`,
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
    // The environment writes the run's kubeconfig into the work directory for the CLIs.
    const client = KubeClient.fromString(await readFile(join(options.workDir, 'kubeconfig'), 'utf8'));
    return await runClusterBench(client, {
      config,
      runId: options.runId,
      mesh,
      meshVersion: env.meshVersion,
      harnessVersion: options.harnessVersion,
      timeouts: env.timeouts,
      log: options.log,
    });
  } finally {
    await env[Symbol.asyncDispose]();
  }
}

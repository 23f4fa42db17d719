import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeLatencyLine, parseK6BenchPlan, summaryOutput } from '../../k6/lib/bench-summary.ts';
import { encodeObservation } from '../../k6/lib/observation.ts';
import {
  type ExecBehaviour,
  type FakeKubeApi,
  type StoredObject,
  startFakeKubeApi,
} from '../../test/platforms/kubernetes/kube-api-fixtures.ts';
import type { FoundMesh } from '../meshes/cluster-mesh.ts';
import { istioAmbientClusterMesh, istioClusterMesh } from '../meshes/istio/istio-cluster-mesh.ts';
import { clusterTimeouts } from '../model/index.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { writeBenchFiles } from '../report/bench-files.ts';
import { parseRunReport } from '../report/report-schema.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import { buildBenchReport } from './bench-report.ts';
import type { BenchMode } from './bench-types.ts';
import { runClusterBench } from './cluster-bench.ts';

/**
 * The live benchmark against a fake Kubernetes API (a real HTTP and exec-websocket peer): pods
 * with their nodes, the metrics API, and k6 answering each window with latencies shaped by the
 * path. What this proves: which pods and containers are read for each path, the window rule, the
 * path checks, the coded refusals, and that the run reaches a schema-valid bench.json. What only a
 * real cluster can show: that ztunnel and the waypoint really carry the traffic as istiod programs
 * them, and the figures themselves.
 */
let api: FakeKubeApi;
let root: string;
const runId = '20261204-101010-istio-ambient-ab12';
const names = clusterNames(runId);
const found: FoundMesh = {
  version: '1.30.3',
  revision: `meshproof-${runId}`,
  trustDomain: 'cluster.local',
  controlPlaneNamespace: 'istio-system',
};
const clientIdentity = `spiffe://cluster.local/ns/${names.meshNamespace}/sa/client`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'meshproof-bench-live-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(async () => {
  api = await startFakeKubeApi();
});
afterEach(async () => {
  await api[Symbol.asyncDispose]();
});

const serving = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };

function pod(namespace: string, name: string, labels: Record<string, string>, node: string): StoredObject {
  return api.add({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { nodeName: node, containers: [] },
    status: serving,
  });
}

/** Latency (ms) of one request on each path: the L7 path costs most, the L4 path less. */
const latencyMs: Record<BenchMode, number> = { baseline: 1, calibration: 3, 'meshed-l4': 1.4, meshed: 2.5 };

/**
 * CPU (millicores) of each container while a path's window runs. ztunnel-c on the third node is
 * busy with someone else's traffic: a bench that read it would report 400 m.
 */
function cpuOf(podName: string, container: string, mode: BenchMode | undefined): number {
  if (podName.startsWith('ztunnel-c')) return 400;
  if (container === 'k6') return 50;
  if (container === 'echo') return 10;
  if (mode !== 'meshed' && mode !== 'meshed-l4') return 1;
  if (podName.startsWith('ztunnel-a')) return mode === 'meshed' ? 7 : 5;
  if (podName.startsWith('ztunnel-b')) return mode === 'meshed' ? 6 : 4;
  if (podName.startsWith('waypoint')) return 26;
  return 1;
}

/** k6's answer to a one-request path probe: 200 from server-v1, with the identity header the app saw. */
const answered = (requestIdPrefix: string, identity: string | undefined): ExecBehaviour => ({
  kind: 'answer',
  stderr: encodeObservation({
    requestId: `${requestIdPrefix}0`,
    outcome: 'response',
    status: 200,
    sentAtMs: 1,
    latencyMs: 2,
    servedBy: { version: 'v1', instance: 'server-v1-6c4b' },
    ...(identity ? { identity: { header: 'x-forwarded-client-cert', value: identity } } : {}),
  }),
});

const modeOfUrl = (url: string): BenchMode =>
  url.includes('server-v1-l4.') ? 'meshed-l4' : url.includes('server-v1.') ? 'meshed' : 'baseline';

/**
 * A two-node (or one-node) ambient cluster as the benchmark finds it after the preflight: client
 * on node-a, server-v1 on node-b (or node-a), the waypoint on node-c, a ztunnel on every node.
 */
function ambientCluster(
  options: { serverNode?: string; ztunnels?: readonly string[]; waypoint?: boolean } = {},
) {
  for (const node of ['node-a', 'node-b', 'node-c']) {
    api.add({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: node },
      status: { allocatable: { cpu: '2' }, nodeInfo: { osImage: 'K3s v1.36.3+k3s1' } },
    });
  }
  pod(names.meshNamespace, 'client-7d9f', { app: 'client' }, 'node-a');
  pod(
    names.meshNamespace,
    'server-v1-6c4b',
    { app: 'server', version: 'v1' },
    options.serverNode ?? 'node-b',
  );
  pod(names.meshNamespace, 'server-v2-6c4b', { app: 'server', version: 'v2' }, 'node-c');
  if (options.waypoint !== false) {
    pod(
      names.meshNamespace,
      'waypoint-5b8d',
      { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      'node-c',
    );
  }
  pod(names.outsideNamespace, 'outsider-4f2a', { app: 'outsider' }, 'node-a');
  for (const node of options.ztunnels ?? ['node-a', 'node-b', 'node-c']) {
    pod('istio-system', `ztunnel-${node.slice(-1)}x9`, { app: 'ztunnel' }, node);
  }
  // metrics-server's last scrape: taken when the window's k6 answered, over the 200 ms before it.
  let scrapedAt = Date.now();
  let current: BenchMode | undefined;
  const execs: { pod: string; mode: BenchMode; probe: boolean }[] = [];
  api.onExec = (command, podName) => {
    const bench = command.find((a) => a.startsWith('MESHPROOF_BENCH='));
    if (bench) {
      const plan = parseK6BenchPlan(bench.slice('MESHPROOF_BENCH='.length));
      const mode = plan.headers['x-echo-delay-ms'] ? 'calibration' : modeOfUrl(plan.url);
      current = mode;
      execs.push({ pod: podName, mode, probe: false });
      const count = plan.rate * plan.durationSeconds;
      const stdout = [
        ...Array.from({ length: count }, () =>
          encodeLatencyLine({ duration: latencyMs[mode], connecting: 0, tls_handshaking: 0 }, 200),
        ),
        summaryOutput({ metrics: { 'dropped_iterations{scenario:measure}': { values: { count: 0 } } } }),
      ].join('\n');
      setTimeout(() => {
        scrapedAt = Date.now();
      }, 390);
      return { kind: 'answer', stdout, delayMs: 400 };
    }
    const probe = command.find((a) => a.startsWith('MESHPROOF_PLAN='));
    if (probe) {
      const plan = JSON.parse(probe.slice('MESHPROOF_PLAN='.length)) as {
        url: string;
        requestIdPrefix: string;
      };
      const mode = modeOfUrl(plan.url);
      execs.push({ pod: podName, mode, probe: true });
      // The waypoint writes the caller's identity; ztunnel alone adds no header.
      return answered(plan.requestIdPrefix, mode === 'meshed' ? clientIdentity : undefined);
    }
    return { kind: 'answer' };
  };
  api.onPodMetrics = (namespace) =>
    api
      .objects('Pod')
      .filter((p) => p.metadata.namespace === namespace)
      .map((p) => {
        const containers =
          namespace === 'istio-system' || p.metadata.name.startsWith('waypoint')
            ? ['istio-proxy']
            : p.metadata.name.startsWith('client') || p.metadata.name.startsWith('outsider')
              ? ['k6']
              : ['echo'];
        return {
          metadata: { name: p.metadata.name, namespace },
          timestamp: new Date(scrapedAt).toISOString(),
          window: '200ms',
          containers: containers.map((name) => ({
            name,
            usage: {
              cpu: `${cpuOf(p.metadata.name, name, current)}m`,
              memory: `${name === 'istio-proxy' ? 12 * 1024 : 40 * 1024}Ki`,
            },
          })),
        };
      });
  return { execs };
}

const config = benchConfigFromFlags(
  { rates: '100', repeat: '1', duration: '1s', warmup: '0s' },
  { mesh: 'istio-ambient', platform: 'kubeconfig', output: 'reports', installMesh: false },
);

async function bench(mesh = istioAmbientClusterMesh('1.30.3'), benchConfig = config) {
  writeFileSync(join(root, 'kubeconfig'), api.kubeconfig());
  const client = KubeClient.fromKubeconfig('test', join(root, 'kubeconfig'));
  return runClusterBench(
    {
      client,
      names,
      found,
      timeouts: { ...clusterTimeouts, workloadStartMs: 5_000 },
      meshVersion: '1.30.3',
      mesh: mesh.adapter(found, names),
    },
    { config: benchConfig, runId, mesh, harnessVersion: 'test', log: () => undefined },
  );
}

describe('the live ambient benchmark', () => {
  it('measures baseline, ztunnel only (L4) and ztunnel with the waypoint (L7), reading the ztunnels of the ends’ nodes and the waypoint, into a valid bench.json', async () => {
    const { execs } = ambientCluster();
    const data = await bench();
    expect(data.windows.map((w) => w.mode)).toEqual(['baseline', 'meshed', 'meshed-l4']);
    expect(data.pathCheck).toEqual({
      baseline: { status: 200, identity: null },
      meshed: { status: 200, identity: clientIdentity },
      meshedL4: { status: 200, identity: null },
      expectedIdentity: clientIdentity,
    });
    // Meshed windows from the in-mesh client, the baseline from the outsider.
    expect(execs.filter((e) => !e.probe).map((e) => `${e.mode}@${e.pod}`)).toEqual([
      'baseline@outsider-4f2a',
      'meshed@client-7d9f',
      'meshed-l4@client-7d9f',
    ]);
    const report = buildBenchReport(data);
    expect(parseRunReport(JSON.stringify(report), 'bench.json').kind).toBe('SidecarOverheadBenchmark');
    const [point] = report.results;
    expect(point?.valid).toBe(true);
    expect(point?.addedLatencyMs?.p50).toBeCloseTo(1.5, 1);
    expect(point?.meshedL4?.addedLatencyMs?.p50).toBeCloseTo(0.4, 1);
    const figures = (point?.proxies ?? []).map((p) => ({
      mode: p.mode,
      role: p.role,
      name: p.name,
      cpu: p.cpuMillicores?.avg,
      per1000: p.cpuMillicoresPer1000Rps,
      published: p.published?.cpuMillicoresPer1000Rps,
    }));
    // ztunnel-c (the waypoint's node, busy with other work) is on neither path.
    expect(figures).toEqual([
      {
        mode: 'meshed',
        role: 'client-ztunnel',
        name: "ztunnel ztunnel-ax9 (client's node node-a)",
        cpu: 7,
        per1000: 70,
        published: 60,
      },
      {
        mode: 'meshed',
        role: 'server-ztunnel',
        name: "ztunnel ztunnel-bx9 (server-v1's node node-b)",
        cpu: 6,
        per1000: 60,
        published: 60,
      },
      {
        mode: 'meshed',
        role: 'waypoint',
        name: 'waypoint waypoint-5b8d',
        cpu: 26,
        per1000: 260,
        published: 250,
      },
      {
        mode: 'meshed-l4',
        role: 'client-ztunnel',
        name: "ztunnel ztunnel-ax9 (client's node node-a)",
        cpu: 5,
        per1000: 50,
        published: 60,
      },
      {
        mode: 'meshed-l4',
        role: 'server-ztunnel',
        name: "ztunnel ztunnel-bx9 (server-v1's node node-b)",
        cpu: 4,
        per1000: 40,
        published: 60,
      },
    ]);
    expect(point?.proxies.find((p) => p.role === 'waypoint')?.memoryMiB?.avg).toBe(12);
    expect(report.selfChecks.find((c) => c.name === 'path')?.status).toBe('passed');
    expect(report.referenceNumbers[0]).toMatch(/ztunnel uses 0.06 vCPU and 12 MB, a waypoint 0.25 vCPU/);
    expect(report.paths['meshed-l4']).toMatch(/server-v1-l4, istio.io\/use-waypoint: none/);
    // The L4-only Service was deployed with the baseline's server, and removed with it.
    expect(api.requests.some((r) => r.method === 'PATCH' && r.path.includes('/services/server-v1-l4'))).toBe(
      true,
    );
    expect(api.objects('Service').map((s) => s.metadata.name)).not.toContain('server-v1-l4');

    const files = await writeBenchFiles(report, join(root, 'out'));
    const markdown = readFileSync(files.find((f) => f.endsWith('bench.md')) ?? '', 'utf8');
    expect(markdown).toContain('ztunnel only (L4)');
    expect(markdown).toMatch(/waypoint waypoint-5b8d .*\| 260\.0 \| 250 \|/);
    const html = readFileSync(files.find((f) => f.endsWith('bench.html')) ?? '', 'utf8');
    expect(html).toContain('ztunnel ztunnel-ax9');
  });

  it('reads one ztunnel once when the client and the server share a node', async () => {
    ambientCluster({ serverNode: 'node-a' });
    const report = buildBenchReport(await bench());
    expect(report.results[0]?.proxies.map((p) => `${p.mode} ${p.role} ${p.cpuMillicores?.avg}`)).toEqual([
      'meshed ztunnel 7',
      'meshed waypoint 26',
      'meshed-l4 ztunnel 5',
    ]);
  });

  it('refuses, with a coded line, a path whose ztunnel or waypoint is not where the data plane says, before measuring', async () => {
    const { execs } = ambientCluster({ ztunnels: ['node-a', 'node-c'] });
    await expect(bench()).rejects.toMatchObject({
      code: 'MESHPROOF_PREFLIGHT_FAILED',
      message: expect.stringMatching(
        /no serving ztunnel pod in istio-system \(app=ztunnel\) on node node-b, where server-v1's pod server-v1-6c4b runs \(found: ztunnel-ax9 on node-a, ztunnel-cx9 on node-c\)/,
      ),
    });
    expect(execs).toEqual([]);
  });

  it('refuses a run whose waypoint has no serving pod', async () => {
    ambientCluster({ waypoint: false });
    await expect(bench()).rejects.toMatchObject({
      code: 'MESHPROOF_PREFLIGHT_FAILED',
      message: expect.stringContaining('no serving waypoint pod in'),
    });
  });

  it('fails the path self-check when the L4 Service is served by the waypoint too (identity on the L4 path)', async () => {
    ambientCluster();
    const original = api.onExec;
    api.onExec = (command, podName) => {
      const answer = original(command, podName);
      const probe = command.find((a) => a.startsWith('MESHPROOF_PLAN='));
      if (!probe?.includes('server-v1-l4.') || answer.kind !== 'answer') return answer;
      const plan = JSON.parse(probe.slice('MESHPROOF_PLAN='.length)) as { requestIdPrefix: string };
      return answered(plan.requestIdPrefix, clientIdentity);
    };
    const check = buildBenchReport(await bench()).selfChecks.find((c) => c.name === 'path');
    expect(check?.status).toBe('failed');
    expect(check?.got).toContain(`meshed-l4: 200, identity ${clientIdentity}`);
  });
});

describe('the live sidecar benchmark on the same fake', () => {
  it('reads the sidecars in the client and server-v1 pods and has no L4 path', async () => {
    ambientCluster();
    const sidecarConfig = benchConfigFromFlags(
      { rates: '100', repeat: '1', duration: '1s', warmup: '0s' },
      { mesh: 'istio', platform: 'kubeconfig', output: 'reports', installMesh: false },
    );
    const data = await bench(istioClusterMesh('1.30.3'), sidecarConfig);
    expect(data.windows.map((w) => w.mode)).toEqual(['baseline', 'meshed']);
    expect(data.proxyNames).toEqual({
      'client-sidecar': 'istio-proxy (client)',
      'server-sidecar': 'istio-proxy (server-v1)',
    });
    expect(data.pathCheck?.meshedL4).toBeUndefined();
    expect(buildBenchReport(data).results[0]?.meshedL4).toBeUndefined();
  });
});

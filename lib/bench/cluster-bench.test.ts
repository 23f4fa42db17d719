import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { encodeLatencyLine, parseK6BenchPlan, summaryOutput } from '../../k6/lib/bench-summary.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { clusterTimeouts, localNames } from '../model/index.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { type LiveStep, shellLines, shellScript } from '../platforms/kubernetes/live-steps.ts';
import { benchConfigFromFlags } from './bench-options.ts';
import {
  benchCaller,
  benchKubeObjects,
  benchPlan,
  benchPlanFiles,
  benchPlanSection,
  benchUrl,
  k6BenchArgv,
  k6BenchPlanFor,
  windowFromK6,
} from './cluster-bench.ts';

const config = benchConfigFromFlags(
  { rates: '100,1000', repeat: '2', duration: '20s', calibrate: true },
  { mesh: 'istio', platform: 'k3s', output: 'reports', installMesh: false },
);

describe('the un-injected server of the baseline', () => {
  const objects = benchKubeObjects({
    runId: 'run-1',
    names: localNames,
    nodeImage: 'node:24-alpine',
    echoFiles: { 'echo-server.ts': '//' },
  });

  it('lives in the unmeshed namespace, opts out of injection, and gets its own echo ConfigMap', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ConfigMap meshproof-outside/echo-fixture',
      'Deployment meshproof-outside/server-nomesh',
      'Service meshproof-outside/server-nomesh',
    ]);
    const template = (
      objects[1] as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }
    ).spec.template;
    expect(template.metadata.annotations).toEqual({
      'sidecar.istio.io/inject': 'false',
      'linkerd.io/inject': 'disabled',
    });
    for (const o of objects) expect(o.metadata.labels).toEqual({ 'meshproof.dev/run': 'run-1' });
  });

  it('is written as plan mode YAML', () => {
    const files = benchPlanFiles({
      runId: 'plan',
      names: localNames,
      nodeImage: 'node:24-alpine',
      echoFiles: {},
    });
    const documents = parseAllDocuments(files['bench.yaml'] ?? '').map((d) => d.toJSON() as { kind: string });
    expect(documents.map((d) => d.kind)).toEqual(['ConfigMap', 'Deployment', 'Service']);
  });
});

describe('k6 windows', () => {
  it('sends meshed traffic from the in-mesh client to server-v1, the rest from the outsider to the un-injected server', () => {
    expect(benchCaller('meshed')).toBe('client');
    expect(benchCaller('baseline')).toBe('outsider');
    expect(benchUrl('meshed', localNames)).toBe('http://server-v1.meshproof.svc.cluster.local/bench');
    expect(benchUrl('baseline', localNames)).toBe(
      'http://server-nomesh.meshproof-outside.svc.cluster.local/bench',
    );
  });

  it('asks for the payload, and for the calibration delay only in the calibration arm', () => {
    const meshed = k6BenchPlanFor(config, 1000, 'meshed', localNames);
    expect(meshed).toMatchObject({
      rate: 1000,
      durationSeconds: 20,
      warmupSeconds: 1,
      headers: { 'x-echo-payload-bytes': '1024' },
    });
    expect(meshed.preAllocatedVUs).toBe(50);
    expect(k6BenchPlanFor(config, 100, 'calibration', localNames).headers).toEqual({
      'x-echo-payload-bytes': '1024',
      'x-echo-delay-ms': '2',
    });
    const argv = k6BenchArgv(meshed);
    expect(argv.slice(0, 5)).toEqual(['k6', 'run', '--quiet', '--no-usage-report', '--log-format=raw']);
    expect(argv.at(-1)).toBe('/scripts/bench-rate.ts');
    expect(parseK6BenchPlan((argv[6] ?? '').replace('MESHPROOF_BENCH=', ''))).toEqual(meshed);
  });

  it('turns k6 output into a window: latencies, errors, dropped iterations', () => {
    const output = [
      ...Array.from({ length: 98 }, () =>
        encodeLatencyLine({ duration: 1, connecting: 0, tls_handshaking: 0 }, 200),
      ),
      encodeLatencyLine({ duration: 2, connecting: 0, tls_handshaking: 0 }, 503),
      encodeLatencyLine({ duration: 5000, connecting: 0, tls_handshaking: 0 }, 0),
      summaryOutput({ metrics: { 'dropped_iterations{scenario:measure}': { values: { count: 3 } } } }),
    ].join('\n');
    const window = windowFromK6({
      rateRps: 100,
      mode: 'meshed',
      repetition: 1,
      durationMs: 1000,
      output,
      proxies: {},
      generator: null,
      app: null,
    });
    expect(window).toMatchObject({
      scheduled: 103,
      sent: 100,
      ok: 98,
      errors: 2,
      errorKinds: { 'status 503': 1, 'no response': 1 },
      dropped: 3,
      late: null,
      achievedRps: 98,
    });
    // A request without a response has no latency to record.
    expect(window.latency.totalCount).toBe(99);
  });
});

describe('plan mode', () => {
  it('offers the default sweep with calibration and the manifest file in one call', () => {
    const plan = benchPlan({
      mesh: clusterMeshFor('linkerd'),
      timeouts: clusterTimeouts,
      nodeImage: 'node',
      echoFiles: {},
      names: localNames,
    });
    expect(plan.section.heading).toContain('100/500/1000 rps × 3 repetition(s) × 8 s');
    expect(plan.section.steps.filter((s) => s.kind === 'exec')).toHaveLength(21);
    expect(plan.section.steps.some((s) => s.title.includes('linkerd-proxy'))).toBe(true);
    expect(Object.keys(plan.files)).toEqual(['bench.yaml']);
  });

  const mesh = clusterMeshFor('istio');
  const names = clusterNames('plan');
  const section = benchPlanSection({
    mesh,
    dataPlane: { kind: 'sidecars', container: 'istio-proxy' },
    config,
    timeouts: clusterTimeouts,
    names,
    objects: benchKubeObjects({ runId: 'plan', names, nodeImage: 'node', echoFiles: {} }),
  });
  const line = (s: LiveStep | undefined) => (s ? shellLines(s).join('\n') : '');

  it('deploys the un-injected server, runs every window with k6 while reading the metrics API, then removes it', () => {
    const titles = section.steps.map((s) => s.title);
    expect(section.heading).toContain('100/1000 rps × 2 repetition(s) × 20 s');
    expect(line(section.steps[0])).toBe(
      'kubectl apply --server-side --field-manager=meshproof -f bench.yaml',
    );
    const k6Runs = section.steps.filter((s) => s.kind === 'exec');
    // 2 rates × 2 modes × 2 repetitions, plus the calibration arm at 100 rps in each repetition.
    expect(k6Runs).toHaveLength(10);
    expect(line(k6Runs[0])).toMatch(
      /^kubectl exec -n meshproof-outside-plan deploy\/outsider -c k6 -- k6 run /,
    );
    // Each window reads where its path runs: the meshed namespace (sidecars, client k6, server-v1's
    // echo) for meshed windows, the outside one (outsider k6, un-injected echo) otherwise.
    const meshedReads = titles.filter((t) =>
      t.includes(
        'in meshproof-plan: istio-proxy (client and server-v1); k6 (client) and echo (server-v1) CPU and memory',
      ),
    );
    expect(meshedReads).toHaveLength(4);
    expect(titles.filter((t) => t.includes('in meshproof-outside-plan: k6 (outsider)'))).toHaveLength(6);
    expect(line(section.steps.at(-1))).toBe(
      [
        'kubectl delete --ignore-not-found -n meshproof-outside-plan service/server-nomesh',
        'kubectl delete --ignore-not-found -n meshproof-outside-plan deployment.apps/server-nomesh',
      ].join('\n'),
    );
    const script = shellScript([section]);
    expect(script).toContain('kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/meshproof-plan/pods');
    expect(script).toContain('dropped_iterations reported');
  });
});

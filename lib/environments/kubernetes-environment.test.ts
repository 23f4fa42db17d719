import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeObservation } from '../../k6/lib/observation.ts';
import {
  type FakeKubeApi,
  type StoredObject,
  startFakeKubeApi,
} from '../../test/platforms/kubernetes/kube-api-fixtures.ts';
import { istioClusterMesh } from '../meshes/istio/istio-cluster-mesh.ts';
import { linkerdClusterMesh } from '../meshes/linkerd/linkerd-cluster-mesh.ts';
import { clusterTimeouts } from '../model/index.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { clusterNames, kubeDirName } from '../platforms/kubernetes/kubernetes-names.ts';
import { removeClusterLeftovers } from '../platforms/kubernetes/leftovers.ts';
import { Ownership } from '../platforms/kubernetes/ownership.ts';
import { startKubernetesEnvironment } from './kubernetes-environment.ts';

/**
 * The live path against a fake API server and fake CLIs: every refusal is a coded error, and
 * nothing the run created is left on the cluster or on disk.
 */
let api: FakeKubeApi;
let root: string;
let workDir: string;
const originalPath = process.env.PATH;
const originalKubeconfig = process.env.KUBECONFIG;
const runId = '20261203-101010-istio-ab12';
const names = clusterNames(runId);
const calls = () => (existsSync(join(root, 'calls')) ? readFileSync(join(root, 'calls'), 'utf8') : '');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'meshproof-k8s-env-'));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const tool = (name: string, output: string) =>
    writeFileSync(
      join(bin, name),
      `#!/bin/sh\necho "${name} $*" >> '${join(root, 'calls')}'\ncat <<'OUT'\n${output}\nOUT\n`,
      {
        mode: 0o755,
      },
    );
  tool('kubectl', '{"clientVersion":{"gitVersion":"v1.36.3"}}');
  tool('istioctl', 'client version: 1.30.3');
  tool('linkerd', 'edge-26.8.3');
  process.env.PATH = `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`;
});
afterAll(() => {
  process.env.PATH = originalPath;
  if (originalKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = originalKubeconfig;
  rmSync(root, { recursive: true, force: true });
});
beforeEach(async () => {
  api = await startFakeKubeApi();
  workDir = mkdtempSync(join(root, 'run-'));
  writeFileSync(join(root, 'kubeconfig'), api.kubeconfig({ otherContextSecret: 'PROD-SECRET-4711' }));
  process.env.KUBECONFIG = join(root, 'kubeconfig');
  rmSync(join(root, 'calls'), { force: true });
});
afterEach(async () => {
  await api[Symbol.asyncDispose]();
});

const start = (installMesh: boolean) =>
  startKubernetesEnvironment({
    runId,
    platform: 'kubeconfig',
    context: 'test',
    installMesh,
    mesh: istioClusterMesh('1.30.3'),
    workDir,
    intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }],
    timeouts: { ...clusterTimeouts, workloadStartMs: 5_000, applyMs: 2_000 },
    log: (line) => logged.push(line),
  });
const logged: string[] = [];

/** An Istio control plane of revision `stable` that answers /version. */
function istioThere(): void {
  api.add({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'istiod-stable',
      namespace: 'istio-system',
      labels: { app: 'istiod', 'istio.io/rev': 'stable' },
    },
  });
  api.add({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'istiod-stable-1',
      namespace: 'istio-system',
      labels: { app: 'istiod', 'istio.io/rev': 'stable' },
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  api.onPodProxy = () => ({ status: 200, body: '1.30.3-0123456789abcdef0123456789abcdef01234567-Clean' });
}

const runNamespaces = () =>
  api.objects('Namespace').filter((n: StoredObject) => n.metadata.labels?.['meshproof.dev/run'] === runId);
const writes = () => api.requests.filter((r) => ['POST', 'PATCH', 'DELETE'].includes(r.method));

describe('on an existing cluster', () => {
  it('refuses --install-mesh where the mesh already runs, before changing anything', async () => {
    istioThere();
    await expect(start(true)).rejects.toMatchObject({
      code: 'MESHPROOF_MESH_ALREADY_INSTALLED',
      message: expect.stringContaining('istiod istio-system/istiod-stable (revision stable)'),
    });
    expect(writes()).toEqual([]);
    expect(calls()).not.toMatch(/istioctl (install|uninstall|x precheck)/);
  });

  it('refuses a namespace of the run that already exists, never adopting or deleting it', async () => {
    istioThere();
    const theirs = api.add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: names.outsideNamespace },
    });
    await expect(start(false)).rejects.toMatchObject({ code: 'MESHPROOF_NAMESPACE_EXISTS' });
    const left = api.objects('Namespace').map((n) => n.metadata.name);
    expect(left).toContain(names.outsideNamespace);
    expect(
      api.objects('Namespace').find((n) => n.metadata.name === names.outsideNamespace)?.metadata.uid,
    ).toBe(theirs.metadata.uid);
    // The one it did create is gone again.
    expect(left).not.toContain(names.meshNamespace);
  });

  it('stops when the mesh injected no proxy (a revision without a webhook), and leaves nothing behind', async () => {
    istioThere();
    api.sidecars = () => [];
    await expect(start(false)).rejects.toMatchObject({
      code: 'MESHPROOF_INJECTION_MISSING',
      message: expect.stringMatching(/did not inject istio-proxy into .*client-5f7c9/),
    });
    expect(runNamespaces()).toEqual([]);
    expect(existsSync(join(workDir, kubeDirName))).toBe(false);
  });

  it('stops when a pod outside the mesh got a proxy', async () => {
    istioThere();
    api.sidecars = () => ['istio-proxy'];
    await expect(start(false)).rejects.toMatchObject({
      code: 'MESHPROOF_INJECTION_MISSING',
      message: expect.stringContaining(names.outsideNamespace),
    });
    expect(runNamespaces()).toEqual([]);
  });

  it('labels the meshed namespace for the revision found, opts the other out, and keeps only a minified kubeconfig (0600 in 0700)', async () => {
    istioThere();
    api.sidecars = (namespace) => (namespace === names.meshNamespace ? ['istio-proxy'] : []);
    let seen: { mode: number; dirMode: number; text: string } | undefined;
    api.onExec = (command) => {
      if (!seen) {
        const file = join(workDir, kubeDirName, 'kubeconfig');
        seen = {
          mode: statSync(file).mode & 0o777,
          dirMode: statSync(join(workDir, kubeDirName)).mode & 0o777,
          text: readFileSync(file, 'utf8'),
        };
      }
      // The k6 version check answers v1: the run stops there with a coded error.
      return command.includes('version')
        ? { kind: 'answer', stdout: '{"version":"v1.4.2"}' }
        : { kind: 'answer' };
    };
    await expect(start(false)).rejects.toMatchObject({ code: 'MESHPROOF_K6_VERSION' });
    const created = api.requests.filter((r) => r.method === 'POST');
    expect(created.map((r) => r.path)).toEqual(Array(2).fill('/api/v1/namespaces?fieldManager=meshproof'));
    const [meshed, outside] = created.map((r) => JSON.parse(r.body ?? '{}') as StoredObject);
    expect(meshed?.metadata.labels).toEqual({ 'meshproof.dev/run': runId, 'istio.io/rev': 'stable' });
    expect(outside?.metadata.labels).toEqual({ 'meshproof.dev/run': runId, 'istio-injection': 'disabled' });
    expect(seen?.mode).toBe(0o600);
    expect(seen?.dirMode).toBe(0o700);
    expect(seen?.text).not.toContain('PROD-SECRET-4711');
    expect(runNamespaces()).toEqual([]);
    expect(readdirSync(workDir).filter((f) => f === kubeDirName)).toEqual([]);
  });

  /** A cluster where everything the preflight proves holds, except what a case changes. */
  function healthy(
    identity = `spiffe://cluster.local/ns/${names.meshNamespace}/sa/client`,
    crdVersions = ['v1'],
  ): void {
    istioThere();
    api.add({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'peerauthentications.security.istio.io' },
      spec: {
        group: 'security.istio.io',
        names: { kind: 'PeerAuthentication' },
        versions: crdVersions.map((name) => ({ name, served: true })),
      },
    });
    api.sidecars = (namespace) => (namespace === names.meshNamespace ? ['istio-proxy'] : []);
    api.onExec = (command) => {
      if (command.includes('version')) return { kind: 'answer', stdout: '{"version":"v2.2.0"}' };
      if (command[0] === 'k6') {
        const plan = JSON.parse((command.find((a) => a.startsWith('MESHPROOF_PLAN=')) ?? '').slice(15)) as {
          requestIdPrefix: string;
        };
        return {
          kind: 'answer',
          stderr: encodeObservation({
            requestId: `${plan.requestIdPrefix}0`,
            outcome: 'response',
            status: 200,
            sentAtMs: 1,
            latencyMs: 2,
            servedBy: { version: 'v1', instance: 'server-v1-5f7c9' },
            identity: { header: 'x-forwarded-client-cert', value: identity },
          }),
        };
      }
      return { kind: 'answer', stdout: '{"counts":{"p.0":2}}' };
    };
  }

  it('stops when the driver command does not come back with the identity the mesh should present', async () => {
    healthy('spiffe://other.domain/ns/x/sa/client');
    await expect(start(false)).rejects.toMatchObject({
      code: 'MESHPROOF_PREFLIGHT_FAILED',
      message: expect.stringContaining(`not spiffe://cluster.local/ns/${names.meshNamespace}/sa/client`),
    });
    expect(runNamespaces()).toEqual([]);
  });

  it('stops when a CRD the renderer needs does not serve the version it writes', async () => {
    healthy(undefined, ['v1beta1']);
    await expect(start(false)).rejects.toMatchObject({
      code: 'MESHPROOF_CRDS_OUT_OF_RANGE',
      message: expect.stringContaining('peerauthentications.security.istio.io serves v1beta1'),
    });
    expect(runNamespaces()).toEqual([]);
  });

  it('comes up when every assumption holds, runs check steps, and deletes exactly what it created', async () => {
    healthy();
    const unrelated = api.add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'meshproof.dev/run': 'other-run' } },
    });
    const env = await start(false);
    expect(env.meshVersion).toBe('1.30.3');
    expect(env.found.revision).toBe('stable');
    expect(
      runNamespaces()
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual([names.meshNamespace, names.outsideNamespace].sort());
    expect((await env.ledger('p.')).get('p.0')).toBe(6);
    const [observation] = await env.driver.send({ caller: 'client', service: 'server', requests: 1 }, 'x.');
    expect(observation?.servedBy?.version).toBe('v1');
    await env[Symbol.asyncDispose]();
    expect(runNamespaces()).toEqual([]);
    expect(api.objects('Namespace').map((n) => n.metadata.uid)).toContain(unrelated.metadata.uid);
    expect(existsSync(join(workDir, kubeDirName))).toBe(false);
    expect(calls()).not.toMatch(/istioctl (install|uninstall)/);
  });

  it('installs Istio under its own revision, records what it made, and removes exactly that revision', async () => {
    const revision = 'meshproof-20261203-101010-istio-ab12';
    healthy();
    // Nothing of Istio before the install: what the fake istioctl "installs" appears only then.
    for (const kind of ['Deployment', 'Pod', 'CustomResourceDefinition']) {
      for (const o of api.objects(kind)) o.kind = `Gone${kind}`;
    }
    const install = () => {
      const labels = { 'istio.io/rev': revision };
      api.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
      api.add({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'peerauthentications.security.istio.io', labels },
        spec: {
          group: 'security.istio.io',
          names: { kind: 'PeerAuthentication' },
          versions: [{ name: 'v1', served: true }],
        },
      });
      api.add({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {
          name: `istiod-${revision}`,
          namespace: 'istio-system',
          labels: { app: 'istiod', ...labels },
        },
        status: { readyReplicas: 1, updatedReplicas: 1 },
      });
      api.add({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'istiod-mp-1', namespace: 'istio-system', labels: { app: 'istiod', ...labels } },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      });
      api.add({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: `istio-sidecar-injector-${revision}`, labels },
      });
    };
    let installed = false;
    const watch = setInterval(() => {
      if (!installed && calls().includes('istioctl install')) {
        installed = true;
        install();
      }
    }, 5);
    try {
      const env = await start(true);
      expect(env.found.revision).toBe(revision);
      expect(calls()).toContain(
        `istioctl install --revision ${revision} --set profile=minimal --readiness-timeout 300s -y`,
      );
      expect(calls()).toContain('istioctl x precheck');
      await env[Symbol.asyncDispose]();
    } finally {
      clearInterval(watch);
    }
    expect(calls()).toContain(`istioctl uninstall --revision ${revision} -y`);
    expect(calls()).not.toContain('--purge');
    expect(api.objects('MutatingWebhookConfiguration')).toEqual([]);
    expect(logged.filter((l) => l.startsWith('left on the cluster'))).toEqual([]);
    expect(api.objects('CustomResourceDefinition')).toEqual([]);
    expect(api.objects('Namespace').map((n) => n.metadata.name)).not.toContain('istio-system');
    expect(runNamespaces()).toEqual([]);
  });

  it('refuses Linkerd on a cluster whose Gateway API CRDs are absent or too old, before creating anything', async () => {
    api.add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'linkerd', labels: { 'linkerd.io/is-control-plane': 'true' } },
    });
    api.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'linkerd-config', namespace: 'linkerd' },
      data: { values: 'linkerdVersion: edge-26.8.3\nidentityTrustDomain: cluster.local\n' },
    });
    const linkerd = () =>
      startKubernetesEnvironment({
        runId,
        platform: 'kubeconfig',
        context: 'test',
        mesh: linkerdClusterMesh('edge-26.8.3'),
        workDir,
        intents: [],
      });
    await expect(linkerd()).rejects.toMatchObject({
      code: 'MESHPROOF_CRDS_OUT_OF_RANGE',
      message: expect.stringContaining('Gateway API CRDs are not installed'),
    });
    api.add({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: 'httproutes.gateway.networking.k8s.io',
        annotations: {
          'gateway.networking.k8s.io/bundle-version': 'v1.1.0',
          'gateway.networking.k8s.io/channel': 'standard',
        },
      },
      spec: {
        group: 'gateway.networking.k8s.io',
        names: { kind: 'HTTPRoute' },
        versions: [{ name: 'v1', served: true }],
      },
    });
    await expect(linkerd()).rejects.toMatchObject({
      code: 'MESHPROOF_CRDS_OUT_OF_RANGE',
      message: expect.stringContaining('v1.1.0 (standard channel), older than v1.2.1'),
    });
    expect(writes()).toEqual([]);
  });
});

describe('after Ctrl-C', () => {
  it('deletes exactly what the stopped run recorded, with its own kubeconfig', async () => {
    const ours = api.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: names.meshNamespace } });
    const theirs = api.add({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    mkdirSync(join(workDir, kubeDirName), { recursive: true });
    const minified = KubeClient.fromKubeconfig('test', join(root, 'kubeconfig')).exportKubeconfig();
    writeFileSync(join(workDir, kubeDirName, 'kubeconfig'), minified);
    new Ownership(workDir, 'run').record([
      { apiVersion: 'v1', kind: 'Namespace', name: ours.metadata.name, uid: ours.metadata.uid ?? '' },
    ]);
    await removeClusterLeftovers(workDir);
    expect(api.objects('Namespace').map((n) => n.metadata.uid)).toEqual([theirs.metadata.uid]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeKubeApi,
  type StoredObject,
  startFakeKubeApi,
} from '../../test/platforms/kubernetes/kube-api-fixtures.ts';
import { KubeClient } from '../platforms/kubernetes/kube-client.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import type { InstallContext } from './cluster-mesh.ts';
import { chooseIstioRevision, istioClusterMesh } from './istio/istio-cluster-mesh.ts';
import { istioTrustDomainOf, istioVersionFromVersionPath } from './istio/istio-install.ts';
import { linkerdClusterMesh } from './linkerd/linkerd-cluster-mesh.ts';
import {
  gatewayApiProblem,
  linkerdConfigFacts,
  linkerdIdentityFilesFromEnv,
} from './linkerd/linkerd-install.ts';

const context: InstallContext = {
  runId: '20261203-101010-istio-ab12',
  clusterCreatedByRun: false,
  workDir: '.',
};
const names = clusterNames(context.runId);

let api: FakeKubeApi;
let client: KubeClient;
const dir = mkdtempSync(join(tmpdir(), 'meshproof-meshes-'));
beforeAll(async () => {
  api = await startFakeKubeApi();
  writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig());
  client = KubeClient.fromKubeconfig('test', join(dir, 'kubeconfig'));
});
afterAll(async () => {
  await api[Symbol.asyncDispose]();
  rmSync(dir, { recursive: true, force: true });
});

const servingPod = (name: string, namespace: string, labels: Record<string, string>): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'discovery' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('Istio as found on a cluster', () => {
  it('reads the version istiod reports on /version, and the trust domain from its mesh config', () => {
    expect(istioVersionFromVersionPath('1.30.3-0123456789abcdef0123456789abcdef01234567-Clean')).toBe(
      '1.30.3',
    );
    expect(
      istioVersionFromVersionPath('1.30.0-beta.0-0123456789abcdef0123456789abcdef01234567-Modified'),
    ).toBe('1.30.0-beta.0');
    expect(istioVersionFromVersionPath('<html>')).toBeUndefined();
    expect(istioTrustDomainOf('trustDomain: "corp.example"\nrootNamespace: istio-system\n')).toBe(
      'corp.example',
    );
    expect(istioTrustDomainOf('rootNamespace: istio-system\n')).toBe('cluster.local');
  });

  it('finds a revision-only istiod (istiod-<rev>, no Deployment named istiod) and reads it from the mesh itself', async () => {
    api.add({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'istiod-canary',
        namespace: 'istio-system',
        labels: { app: 'istiod', 'istio.io/rev': 'canary' },
      },
      // A mirrored image pinned by digest: nothing to read from its tag.
      spec: { template: { spec: { containers: [{ image: 'mirror.corp/pilot@sha256:abc' }] } } },
    });
    api.add(servingPod('istiod-canary-7d9', 'istio-system', { app: 'istiod', 'istio.io/rev': 'canary' }));
    api.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-canary', namespace: 'istio-system' },
      data: { mesh: 'trustDomain: corp.example\n' },
    });
    api.onPodProxy = (pod, port, path) =>
      pod === 'istiod-canary-7d9' && port === '15014' && path === '/version'
        ? { status: 200, body: '1.30.3-0123456789abcdef0123456789abcdef01234567-Clean' }
        : { status: 404, body: '' };
    const mesh = istioClusterMesh('1.30.3');
    const found = await mesh.detect(client, context);
    expect(found).toEqual({
      version: '1.30.3',
      revision: 'canary',
      trustDomain: 'corp.example',
      controlPlaneNamespace: 'istio-system',
    });
    expect(mesh.injection(found as NonNullable<typeof found>)).toEqual({
      labels: { 'istio.io/rev': 'canary' },
      annotations: {},
    });
    const adapter = mesh.adapter(found as NonNullable<typeof found>, names);
    expect(adapter.identityOf('client')).toBe(`spiffe://corp.example/ns/${names.meshNamespace}/sa/client`);
    expect(await mesh.presence(client)).toEqual([
      expect.stringContaining('istiod istio-system/istiod-canary (revision canary)'),
    ]);
  });

  it('refuses to guess between several revisions, and takes the one MESHPROOF_ISTIO_REVISION names', () => {
    expect(() => chooseIstioRevision(['canary', 'stable'], undefined)).toThrow(
      expect.objectContaining({ code: 'MESHPROOF_MESH_UNIDENTIFIED' }),
    );
    expect(chooseIstioRevision(['canary', 'stable'], 'stable')).toBe('stable');
    expect(() => chooseIstioRevision(['canary'], 'Bad_Rev$(x)')).toThrow(
      expect.objectContaining({ code: 'MESHPROOF_BAD_ENV' }),
    );
    expect(() => chooseIstioRevision(['canary'], 'other')).toThrow(
      expect.objectContaining({ code: 'MESHPROOF_MESH_UNIDENTIFIED' }),
    );
  });
});

describe('installing Istio', () => {
  it('gives the install step longer than one readiness wait (istioctl waits per component) and never --verify', () => {
    const [install] = istioClusterMesh('1.30.3').installSteps(context);
    expect(install?.kind).toBe('cli');
    if (install?.kind !== 'cli') return;
    expect(install.argv).not.toContain('--verify');
    const readiness =
      Number(/^(\d+)s$/.exec(install.argv[install.argv.indexOf('--readiness-timeout') + 1] ?? '')?.[1]) *
      1000;
    expect(install.timeoutMs ?? 0).toBeGreaterThan(2 * readiness);
  });
});

describe('Linkerd as found on a cluster', () => {
  it('reads release and trust domain from linkerd-config, and names identities with the control plane namespace', async () => {
    api.add({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'l5d', labels: { 'linkerd.io/is-control-plane': 'true' } },
    });
    api.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'linkerd-config', namespace: 'l5d' },
      data: {
        values:
          'linkerdVersion: edge-26.8.3\nidentityTrustDomain: corp.example\nclusterDomain: cluster.local\n',
      },
    });
    const mesh = linkerdClusterMesh('edge-26.8.3');
    const found = await mesh.detect(client, context);
    expect(found).toEqual({
      version: 'edge-26.8.3',
      trustDomain: 'corp.example',
      controlPlaneNamespace: 'l5d',
    });
    const adapter = mesh.adapter(found as NonNullable<typeof found>, names);
    expect(adapter.identityOf('client')).toBe(
      `client.${names.meshNamespace}.serviceaccount.identity.l5d.corp.example`,
    );
  });

  it('falls back to the cluster domain only when no trust domain is set', () => {
    expect(linkerdConfigFacts('linkerdVersion: stable-2.14.10\nclusterDomain: k8s.corp\n')).toEqual({
      version: 'stable-2.14.10',
      trustDomain: 'k8s.corp',
    });
  });

  it('accepts Gateway API CRDs from v1.2.1 on (route timeouts), refuses older or unlabelled ones', () => {
    const crd = (version: string | undefined, channel = 'standard') => ({
      served: ['v1', 'v1beta1'],
      annotations: {
        ...(version ? { 'gateway.networking.k8s.io/bundle-version': version } : {}),
        'gateway.networking.k8s.io/channel': channel,
      },
    });
    expect(gatewayApiProblem(crd('v1.5.1'))).toBeUndefined();
    expect(gatewayApiProblem(crd('v1.2.1'))).toBeUndefined();
    expect(gatewayApiProblem(crd('v1.1.1', 'experimental'))).toMatch(/older than v1.2.1/);
    expect(gatewayApiProblem(crd(undefined))).toMatch(/cannot be told/);
    expect(gatewayApiProblem(undefined)).toMatch(/not installed/);
    expect(gatewayApiProblem({ served: ['v1beta1'], annotations: {} })).toMatch(/does not serve v1/);
  });

  it('takes identity files only as readable regular files, all three or none, never quoting them', () => {
    const pem = join(dir, 'issuer.key');
    writeFileSync(pem, '-----BEGIN PRIVATE KEY-----\nSECRET\n');
    const env = (over: Record<string, string>) => ({
      MESHPROOF_LINKERD_TRUST_ANCHORS: pem,
      MESHPROOF_LINKERD_ISSUER_CERT: pem,
      MESHPROOF_LINKERD_ISSUER_KEY: pem,
      ...over,
    });
    expect(linkerdIdentityFilesFromEnv(env({}))).toEqual({
      trustAnchors: pem,
      issuerCertificate: pem,
      issuerKey: pem,
    });
    expect(linkerdIdentityFilesFromEnv({})).toBeUndefined();
    for (const [over, pattern] of [
      [
        { MESHPROOF_LINKERD_ISSUER_KEY: '/nonexistent/key.pem' },
        /MESHPROOF_LINKERD_ISSUER_KEY does not exist/,
      ],
      [{ MESHPROOF_LINKERD_ISSUER_KEY: dir }, /is not a regular file/],
      [{ MESHPROOF_LINKERD_ISSUER_KEY: `${pem}\ntouch pwned` }, /has control characters/],
      [{ MESHPROOF_LINKERD_ISSUER_KEY: '' }, /need all three/],
    ] as const) {
      expect(() => linkerdIdentityFilesFromEnv(env(over))).toThrow(
        expect.objectContaining({ code: 'MESHPROOF_BAD_ENV', message: expect.stringMatching(pattern) }),
      );
    }
    try {
      linkerdIdentityFilesFromEnv(env({ MESHPROOF_LINKERD_ISSUER_CERT: dir }));
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
  });
});

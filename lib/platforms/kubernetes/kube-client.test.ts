import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeKubeApi, startFakeKubeApi } from '../../../test/platforms/kubernetes/kube-api-fixtures.ts';
import { acceptance, containerNames, KubeClient, podIsServing } from './kube-client.ts';

describe('acceptance', () => {
  it('reads Gateway API route status: accepted by a parent', () => {
    expect(
      acceptance({
        parents: [
          {
            controllerName: 'linkerd.io/policy-controller',
            conditions: [{ type: 'Accepted', status: 'True' }],
          },
        ],
      }),
    ).toBe(true);
  });
  it('reports a rejection with its reason', () => {
    expect(
      acceptance({
        parents: [
          {
            conditions: [
              { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'x' },
            ],
          },
        ],
      }),
    ).toBe('NotAllowedByListeners: x');
  });
  it("reads NoMatchingParent and NoMatchingTarget as not yet: Linkerd's Server may arrive a moment later", () => {
    for (const reason of ['NoMatchingParent', 'NoMatchingTarget']) {
      expect(
        acceptance({ parents: [{ conditions: [{ type: 'Accepted', status: 'False', reason }] }] }),
      ).toBeUndefined();
      expect(acceptance({ conditions: [{ type: 'Accepted', status: 'False', reason }] })).toBeUndefined();
    }
  });
  it('reads top-level conditions (policies) and is undecided without any', () => {
    expect(acceptance({ conditions: [{ type: 'Accepted', status: 'True' }] })).toBe(true);
    expect(acceptance({})).toBeUndefined();
    expect(acceptance(undefined)).toBeUndefined();
  });
});

describe('pods', () => {
  const pod = (over: Partial<V1Pod>): V1Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'echo' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    ...over,
  });
  it('takes only pods that serve: running, ready and not being deleted', () => {
    expect(podIsServing(pod({}))).toBe(true);
    expect(podIsServing(pod({ metadata: { name: 'p', deletionTimestamp: new Date() } }))).toBe(false);
    expect(
      podIsServing(pod({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } })),
    ).toBe(false);
    expect(podIsServing(pod({ status: { phase: 'Pending' } }))).toBe(false);
  });
  it('counts a native sidecar (an init container that keeps running) as a container', () => {
    const native = pod({
      spec: {
        containers: [{ name: 'echo' }],
        initContainers: [{ name: 'linkerd-init' }, { name: 'linkerd-proxy', restartPolicy: 'Always' }],
      },
    });
    expect(containerNames(native)).toEqual(['echo', 'linkerd-proxy']);
  });
});

describe('against an API server', () => {
  let api: FakeKubeApi;
  let client: KubeClient;
  const dir = mkdtempSync(join(tmpdir(), 'meshproof-kube-client-'));
  beforeAll(async () => {
    api = await startFakeKubeApi();
    writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig({ otherContextSecret: 'PROD-SECRET-4711' }));
    client = KubeClient.fromKubeconfig('test', join(dir, 'kubeconfig'));
    api.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'client-1', namespace: 'ns', labels: { app: 'client' } },
    });
  });
  afterAll(async () => {
    await api[Symbol.asyncDispose]();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps only the chosen context's cluster and user: another context's credentials are never held", () => {
    const exported = client.exportKubeconfig();
    expect(exported).toContain('fake-token');
    expect(exported).not.toContain('PROD-SECRET-4711');
    expect(exported).not.toContain(Buffer.from('PROD-SECRET-4711').toString('base64'));
    expect(exported).not.toContain('other.example');
  });

  it('never quotes a kubeconfig that fails to parse (its code frame would show token lines)', () => {
    const broken = join(dir, 'broken');
    writeFileSync(
      broken,
      "users:\n- name: u\n  user:\n    token: SECRET-TOKEN-0815\n   client-key-data: 'KEY-DATA-0815\n",
    );
    let message = '';
    try {
      KubeClient.fromKubeconfig('test', broken);
    } catch (error) {
      message = `${(error as Error).message} ${(error as Error).stack ?? ''} ${String((error as Error).cause ?? '')}`;
      expect(error).toMatchObject({ code: 'MESHPROOF_CLUSTER_UNREACHABLE' });
    }
    expect(message).toMatch(/not valid YAML \(line \d+, column \d+\)/);
    expect(message).not.toContain('SECRET-TOKEN-0815');
    expect(message).not.toContain('KEY-DATA-0815');
  });

  it('creates a namespace only when it is absent, and refuses one that exists (never adopts it)', async () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meshproof-r1' } };
    const [created] = await client.createAbsent([ns]);
    expect(created?.uid).toMatch(/-/);
    await expect(client.createAbsent([ns])).rejects.toMatchObject({ code: 'MESHPROOF_NAMESPACE_EXISTS' });
  });

  it('deletes an object only while it still has the uid the run saw', async () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meshproof-r2' } };
    const [first] = await client.createAbsent([ns]);
    await client.deleteExactly(ns, first?.uid ?? '');
    expect(await client.uid(ns)).toBeUndefined();
    const namesake = api.add({ ...ns });
    await client.deleteExactly(ns, first?.uid ?? '');
    expect(await client.uid(ns)).toBe(namesake.metadata.uid);
  });

  describe('exec', () => {
    it('collects output and the exit code', async () => {
      api.onExec = () => ({ kind: 'answer', stdout: 'observations', stderr: 'warn', exitCode: 3 });
      await expect(client.exec('ns', 'client-1', 'k6', ['k6', 'run'], 5_000)).resolves.toEqual({
        stdout: 'observations',
        stderr: 'warn',
        exitCode: 3,
      });
    });
    it('rejects when the stream closes before the status arrives (a dropped connection)', async () => {
      api.onExec = () => ({ kind: 'drop' });
      await expect(client.exec('ns', 'client-1', 'k6', ['k6', 'run'], 10_000)).rejects.toThrow(
        /closed \(\d+\) before the command's status arrived/,
      );
    });
    it('rejects at its deadline when the stream stays silent', async () => {
      api.onExec = () => ({ kind: 'hang' });
      await expect(client.exec('ns', 'client-1', 'k6', ['k6', 'run'], 300)).rejects.toThrow(
        /did not finish within 300 ms/,
      );
    });
  });
});

import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../platforms/kubernetes/kube-client.ts';
import { clusterNames } from '../../platforms/kubernetes/kubernetes-names.ts';
import type { LiveStep, VerifyContext } from '../../platforms/kubernetes/live-steps.ts';
import type { KubeObject } from '../../platforms/kubernetes/render-fixtures.ts';
import { ambientEnrolmentSteps, ambientRedirectionAnnotation } from './ambient-steps.ts';

const names = clusterNames('r1');

const pod = (
  name: string,
  options: { redirection?: string; containers?: string[]; labels?: Record<string, string> } = {},
): V1Pod => ({
  metadata: {
    name,
    labels: options.labels ?? {},
    annotations: options.redirection ? { [ambientRedirectionAnnotation]: options.redirection } : {},
  },
  spec: { containers: (options.containers ?? ['echo']).map((c) => ({ name: c })) },
});

/** A cluster as the enrolment steps read it: pods by namespace, objects with status conditions. */
function cluster(state: {
  meshed: V1Pod[];
  outside: V1Pod[];
  conditions?: Record<string, { type: string; status: string }[]>;
}): VerifyContext {
  const client = {
    pods: async (namespace: string) => (namespace === names.meshNamespace ? state.meshed : state.outside),
    read: async (object: KubeObject) => {
      const conditions = state.conditions?.[object.kind];
      return conditions ? { ...object, status: { conditions } } : undefined;
    },
  } as unknown as KubeClient;
  return { client, exec: async () => ({ stdout: '', stderr: '', exitCode: 0 }) };
}

const verify = (step: LiveStep | undefined, context: VerifyContext) => {
  if (step?.kind !== 'verify') throw new Error('not a verify step');
  return step.verify(context);
};

const healthy = {
  meshed: [
    pod('client-1', { redirection: 'enabled' }),
    pod('server-v1-1', { redirection: 'enabled' }),
    // The waypoint's own pod is not a workload: never captured, never judged.
    pod('waypoint-1', {
      containers: ['istio-proxy'],
      labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
    }),
  ],
  outside: [pod('outsider-1')],
  conditions: {
    Gateway: [{ type: 'Programmed', status: 'True' }],
    Service: [{ type: 'istio.io/WaypointBound', status: 'True' }],
  },
};

describe('the live preflight of ambient enrolment', () => {
  const [captured, outsideClean, programmed, bound] = ambientEnrolmentSteps(names);

  it('passes on a cluster where ztunnel took every workload, the waypoint is programmed and bound', async () => {
    for (const step of [captured, outsideClean, programmed, bound]) await verify(step, cluster(healthy));
  });

  it.each([
    [
      'a pod ztunnel has not accepted yet',
      [pod('client-1', { redirection: 'pending' })],
      /client-1 \(pending\)/,
    ],
    ['a pod never redirected', [pod('client-1')], /client-1 \(not redirected\)/],
    ['no pod at all', [], /any pod/],
    [
      'a pod with a sidecar (ambient does not capture it)',
      [pod('client-1', { redirection: 'enabled', containers: ['k6', 'istio-proxy'] })],
      /got an istio-proxy sidecar/,
    ],
  ])('refuses %s with MESHPROOF_INJECTION_MISSING', async (_, meshed, message) => {
    await expect(verify(captured, cluster({ ...healthy, meshed }))).rejects.toMatchObject({
      code: 'MESHPROOF_INJECTION_MISSING',
      message: expect.stringMatching(message),
    });
  });

  it('refuses an outside pod that ztunnel captured or a sidecar got', async () => {
    for (const outside of [
      [pod('outsider-1', { redirection: 'enabled' })],
      [pod('outsider-1', { containers: ['k6', 'istio-proxy'] })],
    ]) {
      await expect(verify(outsideClean, cluster({ ...healthy, outside }))).rejects.toMatchObject({
        code: 'MESHPROOF_INJECTION_MISSING',
      });
    }
  });

  it('reads the waypoint and the Service binding from their status conditions', () => {
    expect(programmed?.title).toMatch(/waypoint meshproof-r1\/waypoint is Programmed/);
    expect(bound?.title).toMatch(/bound to the waypoint/);
  });
});

import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits, type TopologyNames } from '../../model/index.ts';
import { podContainersShell } from '../../platforms/kubernetes/enrolment-steps.ts';
import { containerNames, type KubeClient } from '../../platforms/kubernetes/kube-client.ts';
import { serviceName } from '../../platforms/kubernetes/kubernetes-names.ts';
import type { LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import type { KubeObject } from '../../platforms/kubernetes/render-fixtures.ts';
import { waypointName } from './render-istio-ambient.ts';

/**
 * The annotation istio-cni writes on a pod once its traffic is redirected and ztunnel has accepted
 * it (`enabled`; `pending` while no ztunnel has): istio/istio 1.30.3 cni/pkg/nodeagent/
 * meshdataplane_linux.go (AddPodToMesh annotates last), cni/pkg/util/podutil.go (PodFullyEnrolled).
 */
export const ambientRedirectionAnnotation = 'ambient.istio.io/redirection';

/** The label istiod puts on the pods of a Gateway's deployment (the waypoint's pod is no workload). */
const gatewayNameLabel = 'gateway.networking.k8s.io/gateway-name';

const conditionsOf = (object: KubeObject | undefined) =>
  (object?.status as { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] })
    ?.conditions ?? [];

/**
 * Reads an object until a condition of its status is True, or the named wait ends; then a coded
 * error naming the condition's last reason.
 */
async function untilCondition(
  client: KubeClient,
  object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>,
  type: string,
  failure: (last: string) => MeshproofError,
): Promise<void> {
  const deadline = Date.now() + clusterWaits.waypointReadyMs;
  let last = 'not created yet';
  for (;;) {
    const current = await client.read(object);
    const condition = conditionsOf(current).find((c) => c.type === type);
    if (condition?.status === 'True') return;
    last = current
      ? condition
        ? `${type}=${condition.status} (${condition.reason ?? 'no reason'}: ${condition.message ?? ''})`.trim()
        : `no ${type} condition yet`
      : last;
    if (Date.now() > deadline) throw failure(last);
    await sleep(clusterWaits.pollMs);
  }
}

const redirection = (pod: V1Pod) => pod.metadata?.annotations?.[ambientRedirectionAnnotation];
const nameOf = (pod: V1Pod) => pod.metadata?.name ?? '?';

/** The pods of a namespace with their ambient redirection annotation, as plan mode shows them. */
const podRedirectionShell = (namespace: string) => [
  'kubectl',
  'get',
  'pods',
  '-n',
  namespace,
  '-o',
  'jsonpath={range .items[*]}{.metadata.name}{": "}{.metadata.annotations.ambient\\.istio\\.io/redirection}{"\\n"}{end}',
];

/**
 * The live preflight's proof of ambient enrolment (each failure a coded line): every workload pod of
 * the meshed namespace is captured and accepted by ztunnel and has no sidecar, no pod outside is
 * captured or injected, the waypoint Gateway is Programmed, and the server Service is bound to it.
 */
export function ambientEnrolmentSteps(names: TopologyNames): LiveStep[] {
  const waypoint = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: waypointName, namespace: names.meshNamespace },
  };
  const server = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName('server'), namespace: names.meshNamespace },
  };
  return [
    {
      kind: 'verify',
      title: `every workload pod of ${names.meshNamespace} is captured by ztunnel (${ambientRedirectionAnnotation}: enabled) and has no sidecar`,
      shell: podRedirectionShell(names.meshNamespace),
      verify: async ({ client }) => {
        const pods = (await client.pods(names.meshNamespace, '')).filter(
          (p) => p.metadata?.labels?.[gatewayNameLabel] === undefined,
        );
        const uncaptured = pods.filter((p) => redirection(p) !== 'enabled');
        const injected = pods.filter((p) => containerNames(p).includes('istio-proxy'));
        if (pods.length === 0 || uncaptured.length > 0) {
          throw new MeshproofError(
            'MESHPROOF_INJECTION_MISSING',
            `ztunnel has not accepted ${uncaptured.map((p) => `${nameOf(p)} (${redirection(p) ?? 'not redirected'})`).join(', ') || 'any pod'} of ${names.meshNamespace}: no mesh would be on the path; check istio-cni and ztunnel (kubectl get pods -n istio-system -l 'app in (ztunnel,istio-cni-node)')`,
          );
        }
        if (injected.length > 0) {
          throw new MeshproofError(
            'MESHPROOF_INJECTION_MISSING',
            `${injected.map(nameOf).join(', ')} of ${names.meshNamespace} got an istio-proxy sidecar, so ambient does not capture them: a sidecar injector selects the namespace`,
          );
        }
      },
    },
    {
      kind: 'verify',
      title: `no pod of ${names.outsideNamespace} is captured by ztunnel or has a proxy`,
      shell: podContainersShell(names.outsideNamespace),
      verify: async ({ client }) => {
        const pods = await client.pods(names.outsideNamespace, '');
        const meshed = pods.filter(
          (p) => redirection(p) !== undefined || containerNames(p).includes('istio-proxy'),
        );
        if (meshed.length > 0) {
          throw new MeshproofError(
            'MESHPROOF_INJECTION_MISSING',
            `${meshed.map(nameOf).join(', ')} of ${names.outsideNamespace} ${meshed.length === 1 ? 'is' : 'are'} in the mesh, but must stay outside it: the checks of unmeshed callers would be meaningless`,
          );
        }
      },
    },
    {
      kind: 'verify',
      title: `the waypoint ${names.meshNamespace}/${waypointName} is Programmed (at most ${clusterWaits.waypointReadyMs / 1000} s)`,
      shell: [
        'kubectl',
        'wait',
        '-n',
        names.meshNamespace,
        `gateway.gateway.networking.k8s.io/${waypointName}`,
        '--for=condition=Programmed',
        `--timeout=${clusterWaits.waypointReadyMs / 1000}s`,
      ],
      verify: ({ client }) =>
        untilCondition(
          client,
          waypoint,
          'Programmed',
          (last) =>
            new MeshproofError(
              'MESHPROOF_PREFLIGHT_FAILED',
              `the waypoint ${names.meshNamespace}/${waypointName} was not Programmed within ${clusterWaits.waypointReadyMs / 1000} s (${last}): no L7 policy or route would apply; see kubectl describe gateway -n ${names.meshNamespace} ${waypointName}`,
            ),
        ),
    },
    {
      kind: 'verify',
      title: `the Service ${names.meshNamespace}/server is bound to the waypoint (status istio.io/WaypointBound)`,
      shell: [
        'kubectl',
        'wait',
        '-n',
        names.meshNamespace,
        'service/server',
        '--for=condition=istio.io/WaypointBound',
        `--timeout=${clusterWaits.waypointReadyMs / 1000}s`,
      ],
      verify: ({ client }) =>
        untilCondition(
          client,
          server,
          'istio.io/WaypointBound',
          (last) =>
            new MeshproofError(
              'MESHPROOF_PREFLIGHT_FAILED',
              `the Service ${names.meshNamespace}/server is not bound to the waypoint (${last}): the namespace's istio.io/use-waypoint label is not in effect, so requests would skip it`,
            ),
        ),
    },
  ];
}

/** istiod creates its GatewayClasses when it starts (pilot/pkg/config/kube/gatewaycommon/gatewayclass.go): wait for one. */
export function gatewayClassCreatedStep(name: 'istio' | 'istio-waypoint'): LiveStep {
  return {
    kind: 'verify',
    title: `istiod created the GatewayClass ${name} (accepted)`,
    shell: [
      'kubectl',
      'wait',
      `gatewayclass.gateway.networking.k8s.io/${name}`,
      '--for=condition=Accepted',
      `--timeout=${clusterWaits.waypointReadyMs / 1000}s`,
    ],
    verify: ({ client }) =>
      untilCondition(
        client,
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name } },
        'Accepted',
        (last) =>
          new MeshproofError(
            'MESHPROOF_MESH_INSTALL_FAILED',
            `istiod did not create and accept the GatewayClass ${name} within ${clusterWaits.waypointReadyMs / 1000} s (${last}): are the Gateway API CRDs installed, and ambient enabled?`,
          ),
      ),
  };
}

/**
 * The preflight's proof that a sidecar mesh enrolled the right pods: a platform step the mesh
 * adapters build (lib/meshes/) and the environment runs (lib/environments/cluster-steps.ts).
 */
import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { TopologyNames } from '../../model/index.ts';
import { containerNames } from './kube-client.ts';
import type { LiveStep } from './live-steps.ts';

/** The pods of a namespace and their containers, as plan mode shows them. */
export const podContainersShell = (namespace: string) => [
  'kubectl',
  'get',
  'pods',
  '-n',
  namespace,
  '-o',
  'jsonpath={range .items[*]}{.metadata.name}{": "}{.spec.containers[*].name} {.spec.initContainers[*].name}{"\\n"}{end}',
];

/**
 * The preflight's proof of sidecar injection: every pod of the meshed namespace has the mesh's
 * proxy container, and no pod of the outside namespace has one (MESHPROOF_INJECTION_MISSING).
 */
export function sidecarEnrolmentSteps(
  meshName: string,
  proxyContainer: string,
  names: TopologyNames,
): LiveStep[] {
  return [
    {
      kind: 'verify',
      title: `every pod of ${names.meshNamespace} has its ${proxyContainer} container`,
      shell: podContainersShell(names.meshNamespace),
      verify: async ({ client }) => {
        const pods = await client.pods(names.meshNamespace, '');
        const missing = pods
          .filter((p) => !containerNames(p).includes(proxyContainer))
          .map((p) => p.metadata?.name);
        if (pods.length === 0 || missing.length > 0) {
          throw new MeshproofError(
            'MESHPROOF_INJECTION_MISSING',
            `${meshName} did not inject ${proxyContainer} into ${missing.join(', ') || 'any pod'} of ${names.meshNamespace}: no mesh would be on the path; check the injection webhook of the revision (e.g. \`kubectl get mutatingwebhookconfigurations\`)`,
          );
        }
      },
    },
    {
      kind: 'verify',
      title: `no pod of ${names.outsideNamespace} has a proxy`,
      shell: podContainersShell(names.outsideNamespace),
      verify: async ({ client }) => {
        const pods = await client.pods(names.outsideNamespace, '');
        const meshed = pods
          .filter((p) => containerNames(p).includes(proxyContainer))
          .map((p) => p.metadata?.name);
        if (meshed.length > 0) {
          throw new MeshproofError(
            'MESHPROOF_INJECTION_MISSING',
            `${meshName} injected ${proxyContainer} into ${meshed.join(', ')} of ${names.outsideNamespace}, which must stay outside the mesh: the checks of unmeshed callers would be meaningless`,
          );
        }
      },
    },
  ];
}

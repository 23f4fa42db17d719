import type { ExternalAddress, ExternalDestination, TopologyNames } from '../../model/index.ts';
import { kube } from './kubernetes-names.ts';

/*
 * The fixtures outside the mesh's registry on a cluster: echo Deployments in the run's namespace
 * outside the mesh, behind Services there. Registry-only egress hides them from the callers' sidecars
 * (their Sidecar imports only its own namespace's services), so to the callers they are external
 * hosts; the allowed one is reached through a ServiceEntry that resolves its Service's DNS name.
 */

/** The Service (in the outside namespace) and port of each external fixture. */
export const externalFixtureServices: Readonly<
  Record<ExternalDestination, { readonly service: string; readonly port: number }>
> = {
  ext: { service: 'egress-ext', port: kube.servicePort },
  'ext-alt': { service: 'egress-ext', port: 8081 },
  forbidden: { service: 'egress-forbidden', port: kube.servicePort },
};

/** Where an external fixture is on a cluster: its Service's DNS name and port. */
export function clusterExternalAddress(
  destination: ExternalDestination,
  names: TopologyNames,
): ExternalAddress {
  const { service, port } = externalFixtureServices[destination];
  return { address: `${service}.${names.outsideNamespace}.svc.cluster.local`, port };
}

import type { IServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import type { ISidecar } from '@kubernetes-models/istio/networking.istio.io/v1/Sidecar';
import type { EgressPolicyIntent, ExternalService } from '../../model/index.ts';
import { clusterExternalAddress } from '../../platforms/kubernetes/external-fixtures.ts';
import type { MeshPlacement } from '../mesh-placement.ts';
import type { IstioObject } from './istio-object.ts';

/*
 * Registry-only egress as Istio 1.30.3 reads it (docs/cluster-contract.md, rows E*):
 *
 * - A Sidecar without a workloadSelector in the callers' namespace, `outboundTrafficPolicy.mode:
 *   REGISTRY_ONLY`: the policy of that namespace only, never the mesh-wide meshConfig of a cluster
 *   the run did not create (pilot/pkg/model/sidecar.go: a Sidecar's policy wins over the mesh's).
 *   Its egress imports `./*`, the namespace's own services and ServiceEntries: the fixtures outside
 *   the mesh, in another namespace, are then outside the callers' registry.
 * - One ServiceEntry per allowed host, exported to its namespace only, MESH_EXTERNAL, the port as
 *   HTTP (so the sidecar routes it by Host), `resolution: DNS` to the fixture's Service name: the
 *   allowed host goes to its own endpoint, never to the address the app dialled (`resolution: NONE`
 *   would forward to that address, which a forged Host header then opens).
 */

const networking = 'networking.istio.io/v1';
const managedBy = { 'app.kubernetes.io/managed-by': 'meshproof' } as const;

type SidecarSpec = NonNullable<ISidecar['spec']>;
type ServiceEntrySpec = NonNullable<IServiceEntry['spec']>;

/** Names of the egress objects. */
export const istioEgressResourceName = {
  sidecar: 'egress-registry-only',
  serviceEntry: (host: string) => `egress-${host.replace(/[^a-z0-9-]+/g, '-')}`,
} as const;

/** The Sidecar and the ServiceEntries of an egress policy, in the order to apply them (allowed hosts first). */
export function renderIstioEgress(policy: EgressPolicyIntent, at: MeshPlacement): IstioObject<unknown>[] {
  return [...policy.allowed.map((service) => renderServiceEntry(service, at)), renderRegistryOnlySidecar(at)];
}

function renderRegistryOnlySidecar(at: MeshPlacement): IstioObject<SidecarSpec> {
  return {
    apiVersion: networking,
    kind: 'Sidecar',
    metadata: { name: istioEgressResourceName.sidecar, namespace: at.names.meshNamespace, labels: managedBy },
    spec: { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } },
  };
}

function renderServiceEntry(service: ExternalService, at: MeshPlacement): IstioObject<ServiceEntrySpec> {
  const { address, port } = clusterExternalAddress(service.destination, at.names);
  return {
    apiVersion: networking,
    kind: 'ServiceEntry',
    metadata: {
      name: istioEgressResourceName.serviceEntry(service.host),
      namespace: at.names.meshNamespace,
      labels: managedBy,
    },
    spec: {
      hosts: [service.host],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: port, name: `http-${port}`, protocol: 'HTTP' }],
      resolution: 'DNS',
      endpoints: [{ address }],
    },
  };
}

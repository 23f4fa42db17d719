/**
 * The fixture topology every platform deploys: who calls whom. Names are a contract shared by
 * checks, platforms and mesh adapters.
 */

/** Callers that send traffic. `outsider` is not in the mesh. */
export type CallerName = 'client' | 'frontend' | 'outsider';

/** Services callers address. */
export type ServiceName = 'server';

/** Versions backing `server`; each is its own workload with its own identity. */
export type Version = 'v1' | 'v2' | 'v3';

export const meshedCallers: readonly CallerName[] = ['client', 'frontend'];
export const allCallers: readonly CallerName[] = ['client', 'frontend', 'outsider'];

/**
 * What an `outsider` presents when it speaks TLS to the server workloads itself, as an attacker
 * would: a certificate carrying the `client`'s SPIFFE ID but signed by another CA, a certificate
 * the mesh CA once issued to the `client` that has expired, or no client certificate at all.
 */
export type ForgedCredential = 'foreign-ca' | 'expired' | 'no-client-cert';

/** Namespace of the meshed workloads. */
export const meshNamespace = 'meshproof';
/** Namespace of the workloads outside the mesh. */
export const outsideNamespace = 'meshproof-outside';

/**
 * The namespaces of the fixture topology. Local runs use the fixed names above; on clusters they
 * are a runtime value carrying the run id (see `clusterNames`), so that two runs never share one.
 */
export interface TopologyNames {
  readonly meshNamespace: string;
  readonly outsideNamespace: string;
}

/** The names of the local platform (and of golden files). */
export const localNames: TopologyNames = { meshNamespace, outsideNamespace };

/** Where a workload lives and which service account (identity) it runs as. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * A workload the mesh gives an identity: a caller, or the ingress gateway the run deploys in the
 * mesh namespace (its own service account; it calls services, nobody calls it from inside).
 */
export type MeshMember = CallerName | 'ingress-gateway';

/** The identity of a caller (or of the ingress gateway): namespace and service account. */
export function callerIdentity(caller: MeshMember, names: TopologyNames = localNames): WorkloadIdentity {
  return caller === 'outsider'
    ? { namespace: names.outsideNamespace, serviceAccount: 'outsider' }
    : { namespace: names.meshNamespace, serviceAccount: caller };
}

/** The identity of a server version. All versions of `server` share the `server` account. */
export function serverIdentity(_version: Version, names: TopologyNames = localNames): WorkloadIdentity {
  return { namespace: names.meshNamespace, serviceAccount: 'server' };
}

/** SPIFFE ID as Istio and the reference mesh issue it. */
export function spiffeId(identity: WorkloadIdentity, trustDomain = 'cluster.local'): string {
  return `spiffe://${trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

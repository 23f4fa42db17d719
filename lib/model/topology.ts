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

export const forgedCredentials: readonly ForgedCredential[] = ['foreign-ca', 'expired', 'no-client-cert'];

/** Namespace of the meshed workloads. */
export const meshNamespace = 'meshproof';
/** Namespace of the workloads outside the mesh. */
export const outsideNamespace = 'meshproof-outside';

/** Where a workload lives and which service account (identity) it runs as. */
export interface WorkloadIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** The identity of a caller: namespace and service account. */
export function callerIdentity(caller: CallerName): WorkloadIdentity {
  return caller === 'outsider'
    ? { namespace: outsideNamespace, serviceAccount: 'outsider' }
    : { namespace: meshNamespace, serviceAccount: caller };
}

/** The identity of a server version. All versions of `server` share the `server` account. */
export function serverIdentity(_version: Version): WorkloadIdentity {
  return { namespace: meshNamespace, serviceAccount: 'server' };
}

/** SPIFFE ID as Istio and the reference mesh issue it. */
export function spiffeId(identity: WorkloadIdentity, trustDomain = 'cluster.local'): string {
  return `spiffe://${trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount}`;
}

/**
 * The fixtures egress checks call: workloads outside the mesh's service registry, reached by a
 * meshed caller through its own proxy. `ext` and `ext-alt` are two ports of one external host
 * (`ext.example`); `forbidden` is another host listening on the same port number as `ext`, so that
 * a request for it meets the same outbound listener as a request for the allowed host (as every
 * external host on port 80 does in Istio) and only the Host header and the address tell them apart.
 */
export type ExternalDestination = 'ext' | 'ext-alt' | 'forbidden';

/** The external host the egress checks allow (`ext` and `ext-alt` are its two ports). */
export const allowedExternalHost = 'ext.example';
/** The external host at the `forbidden` fixture, which no egress rule allows. */
export const forbiddenExternalHost = 'forbidden.example';

/** The `service` an external fixture's echo reports, so that a judge can tell who answered. */
export function externalServiceName(destination: ExternalDestination): string {
  return `external-${destination}`;
}

/**
 * A request to a destination outside the mesh, as the app makes it: it dials the address of
 * `destination` (what the mesh's interception sees as the original destination) and sends `host`
 * as its Host header, which need not be the name of that address (a near miss sends an allowed
 * name to a forbidden address, or a look-alike name to the forbidden host).
 */
export interface EgressTarget {
  readonly host: string;
  readonly destination: ExternalDestination;
  /** The Host names the port dialled too (`ext.example:80`), as a client may send it. */
  readonly portInHost?: boolean;
}

/** The Host header of a request outside the mesh, given where its destination listens. */
export function egressHostHeader(target: EgressTarget, destination: ExternalAddress): string {
  return target.portInHost ? `${target.host}:${destination.port}` : target.host;
}

/** Where an external fixture listens, as a platform deployed it. */
export interface ExternalAddress {
  readonly address: string;
  readonly port: number;
}

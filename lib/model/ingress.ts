/**
 * The hosts of the ingress checks. Under `.test` (RFC 2606: never a real domain), so no resolver
 * is ever asked: clients connect to the gateway's address and name the host in SNI and Host.
 */

/** The host the run's ingress gateway serves, with the run's certificate for it. */
export const ingressHost = 'ingress.meshproof.test';

/**
 * A host the harness's CA also issues a certificate for, which the gateway does not serve: the
 * certificate a gateway holding the wrong Secret presents.
 */
export const otherIngressHost = 'other.meshproof.test';

/** A host nobody configured: no certificate, no route. */
export const unknownIngressHost = 'unknown.meshproof.test';

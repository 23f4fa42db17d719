import type { buildConnector } from 'undici';
import type { ExternalAddress } from '../model/index.ts';

/** Where a caller's requests to a service go: its sidecar, or (outside the mesh) the endpoints. */
export interface TrafficTarget {
  /** `http://127.0.0.1:PORT` (`https://` for a caller speaking TLS itself); one is picked at random per request, like kube-proxy does. */
  readonly origins: readonly string[];
  /** Host header naming the service. */
  readonly host: string;
  /**
   * The client certificate and key (PEM) a caller speaking TLS itself presents; empty for none.
   * Such a caller is an impostor: it does not verify the server's certificate.
   */
  readonly tls?: { readonly certificatePem?: string; readonly privateKeyPem?: string };
  /** Opens the connections itself (SNI and certificate checks of its own), e.g. to an ingress gateway. */
  readonly connector?: buildConnector.connector;
  /** For a meshed caller's request outside the mesh: the address the app dialled, told to its sidecar. */
  readonly originalDestination?: ExternalAddress;
}

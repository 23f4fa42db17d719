import type { RequestCase } from '../../lib/judges/cases.ts';
import { ingressHost, unknownIngressHost } from '../../lib/model/index.ts';
import {
  defineIngressCheck,
  handshakeRefusedCase,
  notRoutedCase,
  verifiedHttps,
} from './ingress-requests.ts';

const cases = {
  unknownSni: handshakeRefusedCase(
    `HTTPS with SNI ${unknownIngressHost} and Host ${ingressHost}`,
    unknownIngressHost,
  ),
  noSni: handshakeRefusedCase(`HTTPS without SNI and Host ${ingressHost}`, null),
  unknownHostHttps: notRoutedCase(`HTTPS for ${ingressHost} (verified) with Host ${unknownIngressHost}`, {
    ...verifiedHttps,
    sni: ingressHost,
    host: unknownIngressHost,
  }),
  unknownHostHttp: notRoutedCase(`plain HTTP with Host ${unknownIngressHost}`, {
    scheme: 'http',
    host: unknownIngressHost,
  }),
} satisfies Record<string, RequestCase>;

/** A host the gateway does not serve is refused: at the handshake by SNI, with 404 by Host. */
export const ingressUnknownHostRefused = defineIngressCheck({
  id: 'traffic.ingress.unknown-host-refused',
  description: `With an ingress gateway for ${ingressHost} only, what Istio's gateway does with other names: a ClientHello for ${unknownIngressHost}, or without SNI, matches no filter chain and the connection is closed before any certificate is served (even though the Host header names ${ingressHost}: no domain fronting); a request for Host ${unknownIngressHost} over a verified HTTPS connection for ${ingressHost}, or over plain HTTP, matches no virtual host and is answered 404 by the gateway. None reaches the app. Near misses (defects): a default certificate served for any SNI, a catch-all virtual host routing every Host to the service.`,
  cases,
});

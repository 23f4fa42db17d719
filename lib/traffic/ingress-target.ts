import { connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';
import type { IngressRequest } from '../model/index.ts';
import type { TrafficTarget } from './traffic-target.ts';

/** Where the ingress gateway takes outside connections, and the CA its host certificate chains to. */
export interface IngressAddress {
  /** `127.0.0.1:PORT` of the HTTP and the HTTPS listener. */
  readonly http: string;
  readonly https: string;
  readonly harnessCaPem: string;
}

/** The SNI a request sends: as asked, else its Host without the port (what clients derive). */
export function sniOf(request: IngressRequest): string | null {
  return request.sni !== undefined ? request.sni : (request.host.split(':')[0] ?? request.host);
}

/**
 * Where an outside client's request to the gateway goes. Over HTTPS, connections are opened here,
 * not by undici, which would take the SNI from the Host header: the SNI is the request's own
 * (none at all when null), and the certificate is checked against the harness's CA for that name
 * (`verify: harness-ca`, as a browser checks it) or not at all (`none`).
 */
export function ingressTarget(request: IngressRequest, address: IngressAddress): TrafficTarget {
  if (request.scheme === 'http') return { origins: [`http://${address.http}`], host: request.host };
  const sni = sniOf(request);
  const verify = (request.verify ?? 'harness-ca') === 'harness-ca';
  const connector: buildConnector.connector = (options, callback) => {
    const socket = tlsConnect({
      host: options.hostname,
      port: Number(options.port),
      ...(sni !== null ? { servername: sni } : {}),
      ...(verify ? { ca: address.harnessCaPem } : {}),
      rejectUnauthorized: verify,
      ALPNProtocols: ['http/1.1'],
    });
    const failed = (error: Error) => callback(error, null);
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.off('error', failed);
      callback(null, socket);
    });
    return socket;
  };
  return { origins: [`https://${address.https}`], host: request.host, connector };
}

import { connect } from 'node:net';
import type { buildConnector } from 'undici';
import type { ExternalAddress } from '../model/index.ts';

/**
 * An undici connector that opens each connection with a PROXY protocol (v1) header naming
 * `destination` as the address the app dialled. On the local platform it plays the part iptables
 * plays on a cluster, where a sidecar learns a redirected connection's original destination from
 * the kernel: the caller's sidecar reads it from the header (haproxy `accept-proxy`), the app
 * never sees it and cannot forge it through the Host header.
 */
export function originalDestinationConnector(destination: ExternalAddress): buildConnector.connector {
  return (options, callback) => {
    const socket = connect({ host: options.hostname, port: Number(options.port) });
    const failed = (error: Error) => callback(error, null);
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.removeListener('error', failed);
      const family = socket.localFamily === 'IPv6' ? 'TCP6' : 'TCP4';
      socket.write(
        `PROXY ${family} ${socket.localAddress} ${destination.address} ${socket.localPort} ${destination.port}\r\n`,
      );
      callback(null, socket);
    });
  };
}

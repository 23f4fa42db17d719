import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { callerIdentity, ingressHost, otherIngressHost, spiffeId } from '../../model/index.ts';
import type { PortAllocator } from '../../platforms/local/ports.ts';
import { createCertificateAuthority, type IssuedCertificate } from './certificate-authority.ts';
import type { IngressGatewayWiring, SidecarWiring } from './wiring.ts';

/** The sidecar name (and haproxy resource) of the reference ingress gateway. */
export const ingressGatewayName = 'ingress-gateway';

/** The installed gateway: its wiring, and the root of the harness's CA that clients trust. */
export interface InstalledIngressGateway {
  readonly sidecar: SidecarWiring;
  readonly listeners: IngressGatewayWiring;
  /** PEM of the CA that issued the ingress host's certificate (not the mesh CA). */
  readonly harnessCaPem: string;
}

/** How long ago the stale host certificate expired, and how long it had been valid. */
const expiredAgoMs = 10 * 60_000;
const expiredLifetimeMs = 30 * 24 * 60 * 60_000;

/**
 * Prepares the reference ingress gateway: a mesh identity of its own (from the mesh CA, as Istio's
 * gateway gets one from istiod), its two listeners, and the host certificates from a CA of the
 * harness, as the run would put them in the gateway's TLS Secret on a cluster. The wrong ones (another
 * host's, another CA's, an expired one) are written as well, so that every installation writes
 * the same files and a defect only changes which one the rendering names.
 */
export async function prepareIngressGateway(options: {
  readonly dir: string;
  readonly ports: PortAllocator;
  /** Issues a mesh certificate for an identity and returns its file. */
  readonly issueMeshIdentity: (name: string, identity: string) => Promise<string>;
}): Promise<InstalledIngressGateway> {
  const harness = await createCertificateAuthority({ organization: 'meshproof harness' });
  const stranger = await createCertificateAuthority({ organization: 'meshproof untrusted' });
  const expiredAt = Date.now() - expiredAgoMs;
  const write = async (name: string, cert: IssuedCertificate) => {
    const file = join(options.dir, `ingress-${name}.pem`);
    await writeFile(file, cert.certificatePem + cert.privateKeyPem, { mode: 0o600 });
    return file;
  };
  const identity = spiffeId(callerIdentity(ingressGatewayName));
  const listeners: IngressGatewayWiring = {
    httpPort: await options.ports.allocate("the ingress gateway's HTTP listener"),
    httpsPort: await options.ports.allocate("the ingress gateway's HTTPS listener"),
    certificates: {
      host: await write('host', await harness.issueForHost(ingressHost)),
      otherHost: await write('other-host', await harness.issueForHost(otherIngressHost)),
      foreignCa: await write('foreign-ca', await stranger.issueForHost(ingressHost)),
      expired: await write(
        'expired',
        await harness.issueForHost(ingressHost, {
          notBefore: new Date(expiredAt - expiredLifetimeMs),
          notAfter: new Date(expiredAt),
        }),
      ),
    },
  };
  return {
    harnessCaPem: harness.rootPem,
    listeners,
    sidecar: {
      name: ingressGatewayName,
      identity,
      certFile: await options.issueMeshIdentity(ingressGatewayName, identity),
      ingress: listeners,
    },
  };
}

import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../meshes/reference/certificate-authority.ts';
import type { IngressRequest } from '../model/index.ts';
import { type IngressAddress, ingressTarget, sniOf } from './ingress-target.ts';

describe('the SNI of a request to the ingress gateway', () => {
  it('is the Host without its port unless told otherwise, and none when told so', () => {
    expect(sniOf({ scheme: 'https', host: 'ingress.meshproof.test:443' })).toBe('ingress.meshproof.test');
    expect(sniOf({ scheme: 'https', host: 'ingress.meshproof.test', sni: 'unknown.meshproof.test' })).toBe(
      'unknown.meshproof.test',
    );
    expect(sniOf({ scheme: 'https', host: 'ingress.meshproof.test', sni: null })).toBeNull();
  });
});

describe('an HTTPS request to the ingress gateway', () => {
  let server: Server;
  let address: IngressAddress;
  let otherCaPem: string;
  /** The SNI and Host of every request the server took. */
  const seen: { sni: string | false | null; host: string | undefined }[] = [];

  beforeAll(async () => {
    const harness = await createCertificateAuthority({ organization: 'test harness' });
    otherCaPem = (await createCertificateAuthority({ organization: 'test other' })).rootPem;
    const cert = await harness.issueForHost('ingress.meshproof.test');
    server = createServer({ cert: cert.certificatePem, key: cert.privateKeyPem }, (req, res) => {
      seen.push({ sni: (req.socket as TLSSocket).servername, host: req.headers.host });
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    address = { http: '127.0.0.1:1', https: `127.0.0.1:${port}`, harnessCaPem: harness.rootPem };
  });
  afterAll(() => server.close());

  const send = async (request: IngressRequest, at: IngressAddress = address) => {
    const target = ingressTarget(request, at);
    const pool = new Pool(target.origins[0] ?? '', { connect: target.connector });
    try {
      const response = await pool.request({ path: '/', method: 'GET', headers: { host: target.host } });
      await response.body.dump();
      return response.statusCode;
    } catch (error) {
      return (error as { code?: string }).code ?? (error as Error).message;
    } finally {
      await pool.destroy();
    }
  };

  it('sends its own SNI apart from the Host, and checks the certificate against the harness CA for that name', async () => {
    expect(await send({ scheme: 'https', host: 'ingress.meshproof.test:443' })).toBe(200);
    expect(seen.at(-1)).toEqual({ sni: 'ingress.meshproof.test', host: 'ingress.meshproof.test:443' });
    expect(await send({ scheme: 'https', host: 'ingress.meshproof.test', sni: 'other.meshproof.test' })).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    expect(
      await send(
        { scheme: 'https', host: 'ingress.meshproof.test' },
        { ...address, harnessCaPem: otherCaPem },
      ),
    ).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED/);
  });

  it('checks nothing and may send no SNI when told so', async () => {
    expect(await send({ scheme: 'https', host: 'ingress.meshproof.test', sni: null, verify: 'none' })).toBe(
      200,
    );
    expect(seen.at(-1)).toEqual({ sni: false, host: 'ingress.meshproof.test' });
  });
});

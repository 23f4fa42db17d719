// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A PEM certificate with its PKCS#8 PEM private key. */
export interface IssuedCertificate {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

/** When a certificate is valid; by default from an hour ago for a week. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** The reference mesh's certificate authority: one root that signs every workload identity. */
export interface CertificateAuthority {
  readonly rootPem: string;
  /**
   * Issues a workload certificate for a SPIFFE ID. The ID is the URI SAN (as in Istio); it is
   * also the subject CN because haproxy 2.6 has no sample fetch for URI SANs. A validity in the
   * past gives an expired certificate (what a caller holding a stale one presents).
   */
  issue(spiffeId: string, validity?: Validity): Promise<IssuedCertificate>;
  /**
   * Issues a server certificate for a DNS name (subject CN and DNS SAN), as a public CA issues
   * one for a host an ingress serves; a validity in the past gives an expired one.
   */
  issueForHost(dnsName: string, validity?: Validity): Promise<IssuedCertificate>;
}

export interface CertificateAuthorityOptions {
  readonly trustDomain?: string;
  /** The root's organization: another name makes another CA (the one an impostor runs). */
  readonly organization?: string;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return pemBlock(x509.PemConverter.encode(der, 'PRIVATE KEY'));
}

/** PEM blocks end with a newline so that files holding several of them stay parseable. */
function pemBlock(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

function defaultValidity(): Validity {
  const now = Date.now();
  // Back-dated a little so that clock skew between processes never makes a fresh cert invalid.
  return { notBefore: new Date(now - 3_600_000), notAfter: new Date(now + 7 * 86_400_000) };
}

/** Creates a fresh root CA for one run. Keys never leave the run's temporary directory. */
export async function createCertificateAuthority(
  options: CertificateAuthorityOptions = {},
): Promise<CertificateAuthority> {
  const { trustDomain = 'cluster.local', organization = 'meshproof reference mesh' } = options;
  const rootKeys = (await webcrypto.subtle.generateKey(keyAlgorithm, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: `O=${organization}, CN=${trustDomain} root`,
    keys: rootKeys,
    signingAlgorithm,
    ...defaultValidity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const issueLeaf = async (
    commonName: string,
    name: x509.JsonGeneralName,
    usages: readonly string[],
    validity: Validity,
  ): Promise<IssuedCertificate> => {
    const keys = (await webcrypto.subtle.generateKey(keyAlgorithm, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=${commonName}`,
      issuer: root.subject,
      publicKey: keys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([...usages]),
        new x509.SubjectAlternativeNameExtension([name], true),
        await x509.AuthorityKeyIdentifierExtension.create(root),
      ],
    });
    return {
      certificatePem: pemBlock(cert.toString('pem')),
      privateKeyPem: await privateKeyPem(keys.privateKey),
    };
  };
  return {
    rootPem: pemBlock(root.toString('pem')),
    issueForHost: (dnsName, validity = defaultValidity()) =>
      issueLeaf(dnsName, { type: 'dns', value: dnsName }, [x509.ExtendedKeyUsage.serverAuth], validity),
    issue: (spiffeId, validity = defaultValidity()) =>
      issueLeaf(
        spiffeId,
        { type: 'url', value: spiffeId },
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        validity,
      ),
  };
}

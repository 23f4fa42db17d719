// @peculiar/x509 resolves its services with tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  X509Certificate as NodeCertificate,
} from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { LocalEnvironment } from '../environments/local-environment.ts';
import type { ReferenceDefect } from '../meshes/reference/defects.ts';
import { renderReferenceMesh } from '../meshes/reference/render-haproxy.ts';

/** A file the mesh writes, by its name in the mesh's directory. */
export interface MeshFile {
  readonly name: string;
  readonly content: string;
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----\r?\n?/g;

/** Extensions whose value is derived from a key: compared through the relations instead. */
const keyIdentifierExtensions = new Set(['2.5.29.14', '2.5.29.35']);

interface ParsedCertificate {
  readonly label: string;
  readonly parsed: x509.X509Certificate;
  readonly node: NodeCertificate;
  readonly spki: string;
}

function parseCertificate(label: string, pem: string): ParsedCertificate | undefined {
  try {
    const node = new NodeCertificate(pem);
    return {
      label,
      parsed: new x509.X509Certificate(pem),
      node,
      spki: node.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    };
  } catch {
    return undefined;
  }
}

function parsePrivateKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

function parsePublicKey(pem: string): KeyObject | undefined {
  try {
    return createPublicKey(pem);
  } catch {
    return undefined;
  }
}

function belongsTo(key: KeyObject, cert: ParsedCertificate): boolean {
  try {
    return cert.node.checkPrivateKey(key);
  } catch {
    return false;
  }
}

function validityState(cert: x509.X509Certificate, now: Date): string {
  if (now < cert.notBefore) return 'not yet valid';
  return now > cert.notAfter ? 'expired' : 'valid';
}

function describeCertificate(cert: ParsedCertificate, all: readonly ParsedCertificate[], now: Date): string {
  const { parsed } = cert;
  const sameKey = all.find((c) => c.spki === cert.spki);
  const signer = all.find((c) => {
    try {
      return cert.node.verify(c.node.publicKey);
    } catch {
      return false;
    }
  });
  const minutes = Math.round((parsed.notAfter.getTime() - parsed.notBefore.getTime()) / 60_000);
  return [
    `certificate subject="${parsed.subject}" issuer="${parsed.issuer}"`,
    `  signature ${JSON.stringify(parsed.signatureAlgorithm)} key ${JSON.stringify(parsed.publicKey.algorithm)}`,
    `  valid for ${minutes} min, ${validityState(parsed, now)} when read`,
    `  key ${sameKey && sameKey !== cert ? `shared with ${sameKey.label}` : 'of its own'}`,
    `  signed by ${signer ? (signer === cert ? 'itself' : signer.label) : 'no certificate here'}`,
    ...parsed.extensions.map(
      (e) =>
        `  extension ${e.type}${e.critical ? ' critical' : ''} ${keyIdentifierExtensions.has(e.type) ? '(key identifier)' : Buffer.from(e.value).toString('hex')}`,
    ),
  ].join('\n');
}

/**
 * What a set of mesh files says, comparable between two installations (pure but for `now`).
 * Fresh key material differs every time a mesh is installed, so every PEM certificate is
 * replaced by its fields and its relations to the other certificates of the set (which one
 * signed it, which share a key; labels are `file#block`), and every private key by the
 * certificate it belongs to, and every public key (the end-user issuer's JWKS keys) by its kind and size. Expiry is compared as the validity's length and whether the
 * certificate was valid when read. Anything else, other PEM blocks included, is kept verbatim:
 * what cannot be compared differs, so that a defect there runs every check.
 */
export function describeMeshFiles(files: readonly MeshFile[], now: Date): Map<string, string> {
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  const blocks = new Map<string, { readonly label: string; readonly type: string; readonly pem: string }[]>();
  for (const file of sorted) {
    const found = [...file.content.matchAll(pemBlock)].map((m, index) => ({
      label: `${file.name}#${index}`,
      type: m[1] ?? '',
      pem: m[0],
    }));
    blocks.set(file.name, found);
  }
  const certificates = [...blocks.values()]
    .flat()
    .filter((b) => b.type === 'CERTIFICATE')
    .flatMap((b) => parseCertificate(b.label, b.pem) ?? []);
  const describeBlock = (block: { label: string; type: string; pem: string }): string | undefined => {
    if (block.type === 'CERTIFICATE') {
      const cert = certificates.find((c) => c.label === block.label);
      return cert && describeCertificate(cert, certificates, now);
    }
    if (block.type === 'PUBLIC KEY') {
      // A key of the end-user issuer's JWKS (jwks-key-N.pem): fresh every run, compared by its kind.
      const key = parsePublicKey(block.pem);
      const details = key?.asymmetricKeyDetails;
      return (
        key && `public key ${key.asymmetricKeyType} ${details?.modulusLength ?? details?.namedCurve ?? ''}`
      );
    }
    if (block.type.endsWith('PRIVATE KEY')) {
      const key = parsePrivateKey(block.pem);
      const owner = key && certificates.find((c) => belongsTo(key, c));
      return owner && `private key of ${owner.label}`;
    }
    return undefined;
  };
  const described = new Map<string, string>();
  for (const file of sorted) {
    let index = 0;
    const list = blocks.get(file.name) ?? [];
    described.set(
      file.name,
      file.content.replace(pemBlock, (pem) => {
        const block = list[index++];
        const description = block && describeBlock(block);
        return description ? `${description}\n` : pem;
      }),
    );
  }
  return described;
}

/** Names of the files whose descriptions differ between two sets, or exist in one only. */
export function differingFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): string[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.filter((name) => a.get(name) !== b.get(name));
}

/**
 * Reads every file under a mesh's directory, named by its path relative to it, leaving out
 * those whose content is one of `rendered` (the configuration files, compared as rendered
 * resources instead).
 */
export async function readMeshFiles(dir: string, rendered: readonly string[]): Promise<MeshFile[]> {
  const renderedContents = new Set(rendered);
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files: MeshFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await readFile(path, 'utf8');
    if (!renderedContents.has(content)) files.push({ name: relative(dir, path), content });
  }
  return files;
}

/**
 * The files an installation of the reference mesh wrote besides its configuration, described
 * for comparison. Read it right after the installation: applying a check's configuration writes
 * more files.
 */
export async function readInstalledFiles(
  env: LocalEnvironment,
  defects: ReadonlySet<ReferenceDefect>,
): Promise<Map<string, string>> {
  const { wiring } = env.local;
  const configs = renderReferenceMesh([], wiring, defects).map((r) => r.content);
  // Everything the reference mesh writes lives next to its CA file.
  return describeMeshFiles(await readMeshFiles(dirname(wiring.caFile), configs), new Date());
}

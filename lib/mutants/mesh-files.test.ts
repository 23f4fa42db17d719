import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../meshes/reference/certificate-authority.ts';
import { describeMeshFiles, differingFiles, type MeshFile, readMeshFiles } from './mesh-files.ts';

const client = 'spiffe://cluster.local/ns/meshproof/sa/client';

/** What the reference mesh writes: a CA file and a workload's certificate with its key. */
async function installation(options: { foreignClientCa?: boolean } = {}): Promise<MeshFile[]> {
  const ca = await createCertificateAuthority();
  const issuer = options.foreignClientCa ? await createCertificateAuthority() : ca;
  const cert = await issuer.issue(client);
  return [
    { name: 'ca.pem', content: ca.rootPem },
    { name: 'client.pem', content: cert.certificatePem + cert.privateKeyPem },
    { name: 'delay.lua', content: 'core.register_action("x", { "http-req" }, function(txn) end)\n' },
  ];
}

const now = new Date();

describe('describeMeshFiles', () => {
  it('describes two installations alike although every key, serial and signature differs', async () => {
    const [a, b] = [await installation(), await installation()];
    expect(a.map((f) => f.content)).not.toEqual(b.map((f) => f.content));
    expect(differingFiles(describeMeshFiles(a, now), describeMeshFiles(b, now))).toEqual([]);
  });

  it('says which certificate signed which, and whose private key a key is', async () => {
    const described = describeMeshFiles(await installation(), now);
    expect(described.get('ca.pem')).toContain('signed by itself');
    expect(described.get('client.pem')).toContain('signed by ca.pem#0');
    expect(described.get('client.pem')).toContain('private key of client.pem#0');
    expect(described.get('client.pem')).not.toContain('BEGIN');
    expect(described.get('delay.lua')).toContain('core.register_action');
  });

  it('tells a certificate from another CA with the same identity apart', async () => {
    const [mesh, foreign] = [await installation(), await installation({ foreignClientCa: true })];
    expect(describeMeshFiles(foreign, now).get('client.pem')).toContain('signed by no certificate here');
    expect(differingFiles(describeMeshFiles(mesh, now), describeMeshFiles(foreign, now))).toEqual([
      'client.pem',
    ]);
  });

  it('tells an expired certificate apart', async () => {
    const files = await installation();
    const later = new Date(now.getTime() + 30 * 86_400_000);
    expect(describeMeshFiles(files, later).get('client.pem')).toContain('expired when read');
    expect(differingFiles(describeMeshFiles(files, now), describeMeshFiles(files, later))).toEqual([
      'ca.pem',
      'client.pem',
    ]);
  });

  it("describes the end-user issuer's public keys by kind and size, fresh every installation", () => {
    const pem = (bits: number) =>
      generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({
        type: 'spki',
        format: 'pem',
      }) as string;
    const one = describeMeshFiles([{ name: 'jwks-key-0.pem', content: pem(2048) }], new Date());
    const two = describeMeshFiles([{ name: 'jwks-key-0.pem', content: pem(2048) }], new Date());
    expect(differingFiles(one, two)).toEqual([]);
    expect(one.get('jwks-key-0.pem')).toBe('public key rsa 2048\n');
    const weaker = describeMeshFiles([{ name: 'jwks-key-0.pem', content: pem(1024) }], new Date());
    expect(differingFiles(one, weaker)).toEqual(['jwks-key-0.pem']);
  });

  it('keeps what it cannot compare verbatim, so that a change there shows', () => {
    const block = '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n';
    const garbled = '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n';
    const described = describeMeshFiles(
      [
        { name: 'crl.pem', content: block },
        { name: 'bad.pem', content: garbled },
      ],
      now,
    );
    expect(described.get('crl.pem')).toBe(block);
    expect(described.get('bad.pem')).toBe(garbled);
  });
});

describe('differingFiles', () => {
  it('names files that differ or exist on one side only', () => {
    const a = new Map([
      ['same', 'x'],
      ['changed', '1'],
      ['gone', 'y'],
    ]);
    const b = new Map([
      ['same', 'x'],
      ['changed', '2'],
      ['new', 'z'],
    ]);
    expect(differingFiles(a, b)).toEqual(['changed', 'gone', 'new']);
  });
});

describe('readMeshFiles', () => {
  it('reads every file under the directory but the rendered configuration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshproof-mesh-files-'));
    try {
      writeFileSync(join(dir, 'client.cfg'), 'frontend outbound\n');
      writeFileSync(join(dir, 'ca.pem'), 'root\n');
      mkdirSync(join(dir, 'keys'));
      writeFileSync(join(dir, 'keys', 'client.key'), 'key\n');
      const files = await readMeshFiles(dir, ['frontend outbound\n']);
      expect(files.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
        { name: 'ca.pem', content: 'root\n' },
        { name: join('keys', 'client.key'), content: 'key\n' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';

/**
 * What the reference control plane does with a RequestAuthentication's key set, as istiod does
 * with `jwksUri` (pilot/pkg/model/jwks_resolver.go `BuildLocalJwks`): it fetches the JWKS itself
 * and hands the sidecars the keys. haproxy 2.6's `jwt_verify` reads a public key from a PEM file
 * known when the configuration is parsed (src/jwt.c `jwt_tree_load_cert`), so each RSA key of the
 * set is written as an SPKI PEM file. Keys of another type are skipped (the sidecar verifies RS256).
 * A failed fetch fails the install, where istiod would fail closed (every token refused).
 */
export async function fetchJwksKeyFiles(url: string, dir: string, deadlineMs: number): Promise<string[]> {
  const response = await request(url, { signal: AbortSignal.timeout(deadlineMs) });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`the jwks fixture answered ${response.statusCode} at ${url}`);
  }
  const jwks = (await response.body.json()) as { keys?: unknown };
  const keys = Array.isArray(jwks.keys) ? (jwks.keys as JsonWebKey[]) : [];
  const files: string[] = [];
  for (const [index, jwk] of keys.entries()) {
    if (jwk.kty !== 'RSA') continue;
    const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const file = join(dir, `jwks-key-${index}.pem`);
    await writeFile(file, pem);
    files.push(file);
  }
  if (files.length === 0) throw new Error(`the key set at ${url} holds no RSA key`);
  return files;
}

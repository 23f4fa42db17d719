import type { JWK } from 'jose';
import type { BearerToken, TrafficDriver, TrafficPlan } from '../model/index.ts';
import { jwtAudience, jwtIssuer } from '../model/index.ts';

/** A JSON Web Key Set as the `jwks` fixture serves it (public keys only). */
export interface Jwks {
  readonly keys: readonly JWK[];
}

/**
 * The end-user token issuer of a run: an RS256 key pair whose public half the `jwks` fixture
 * serves, and a second key pair of the same kind that no JWKS holds (what a token signed by
 * someone else is signed with). Keys live in memory only; the JWKS is public.
 */
export interface JwtIssuer {
  readonly jwks: Jwks;
  /** Mints the token a plan asks for (RS256 unless it asks for `alg: none`). */
  mint(token: BearerToken): Promise<string>;
}

/** Key id of the issuer's key in its JWKS. */
const issuerKeyId = 'meshproof-issuer-1';
/** The signing algorithm; haproxy 2.6's `jwt_verify` verifies RS256 (its ES256 takes DER signatures, not JWS's). */
const algorithm = 'RS256';

/** Creates a run's issuer: fresh keys every run, so no token outlives it. */
export async function createJwtIssuer(): Promise<JwtIssuer> {
  // Loaded when a run starts, not with the CLI: commands that never mint a token do not pay for it.
  const { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } = await import('jose');
  const issuerKeys = await generateKeyPair(algorithm, { extractable: true });
  const strangerKeys = await generateKeyPair(algorithm);
  const publicJwk = await exportJWK(issuerKeys.publicKey);
  const jwks: Jwks = { keys: [{ ...publicJwk, kid: issuerKeyId, alg: algorithm, use: 'sig' }] };

  return {
    jwks,
    async mint(token) {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        ...token.claims,
        iss: token.issuer ?? jwtIssuer,
        sub: token.subject,
        aud: typeof token.audience === 'object' ? [...token.audience] : (token.audience ?? jwtAudience),
        iat: now,
        exp: now + (token.expiresInS ?? 3600),
      };
      const signing = token.signing ?? 'jwks-key';
      if (signing === 'none') return new UnsecuredJWT(claims).encode();
      const key = signing === 'unknown-key' ? strangerKeys.privateKey : issuerKeys.privateKey;
      const signed = await new SignJWT(claims)
        .setProtectedHeader({ alg: algorithm, kid: issuerKeyId, typ: 'JWT' })
        .sign(key);
      if (signing !== 'tampered') return signed;
      const [header, , signature] = signed.split('.');
      const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
  };
}

/**
 * A driver that mints the token of every plan that asks for one and sends it as
 * `Authorization: Bearer …`, then hands the plan to `driver`. One token per plan: the near misses
 * differ by plan, not by request.
 */
export function withBearerTokens(driver: TrafficDriver, issuer: JwtIssuer): TrafficDriver {
  const withToken = async (plan: TrafficPlan): Promise<TrafficPlan> => {
    if (!plan.bearer) return plan;
    const { bearer, ...rest } = plan;
    const token = await issuer.mint(bearer);
    return { ...rest, headers: { ...rest.headers, authorization: `Bearer ${token}` } };
  };
  const { prepareAtRate } = driver;
  return {
    ...driver,
    async send(plan, requestIdPrefix) {
      return driver.send(await withToken(plan), requestIdPrefix);
    },
    // A chaos timeline's stream carries its token too.
    ...(prepareAtRate
      ? {
          async prepareAtRate(plan, schedule, requestIdPrefix) {
            return prepareAtRate.call(driver, await withToken(plan), schedule, requestIdPrefix);
          },
        }
      : {}),
  };
}

import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import { defineCheck, Feature, jwtIssuer } from '../../lib/model/index.ts';
import { expiredTokenRefusedProbe, refusedToken, serverRequestAuthentication } from './jwt-requests.ts';

const cases = {
  expired: refusedToken('token that expired ten minutes ago', { subject: 'alice', expiresInS: -600 }),
  unknownKey: refusedToken('token signed by a key not in the JWKS', {
    subject: 'alice',
    signing: 'unknown-key',
  }),
  tampered: refusedToken('token whose payload was changed after signing (sub admin)', {
    subject: 'alice',
    signing: 'tampered',
  }),
  algNone: refusedToken('alg none token without a signature', { subject: 'alice', signing: 'none' }),
  otherIssuer: refusedToken(`token signed with the JWKS key naming issuer ${jwtIssuer}.evil`, {
    subject: 'alice',
    issuer: `${jwtIssuer}.evil`,
  }),
  otherAudience: refusedToken("token for another service's audience (meshproof-frontend)", {
    subject: 'alice',
    audience: 'meshproof-frontend',
  }),
} satisfies Record<string, RequestCase>;

/** Every way a token can be wrong is refused 401 before the app: signature, issuer, audience, expiry. */
export const jwtInvalidTokenRefused = defineCheck({
  id: 'security.jwt.invalid-token-refused',
  description: `With a RequestAuthentication for the fixture issuer and the server's audience, the near misses of a valid token are each refused 401 before the app: expired ten minutes ago (beyond Envoy's 60 s skew), signed by a key not in the JWKS, changed after signing, alg none, naming the issuer with a suffix (${jwtIssuer}.evil) though signed with the JWKS key, and for another audience.`,
  features: [Feature.JwtAuth],
  profile: 'extended',
  intents: [serverRequestAuthentication],
  convergence: expiredTokenRefusedProbe,
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

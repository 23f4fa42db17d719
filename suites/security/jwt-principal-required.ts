import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import { defineCheck, Feature } from '../../lib/model/index.ts';
import {
  admittedToken,
  forbiddenToken,
  noTokenForbiddenProbe,
  principalOf,
  refusedToken,
  serverRequestAuthentication,
} from './jwt-requests.ts';

const cases = {
  alice: admittedToken('client with a valid token of alice', { subject: 'alice' }),
  noToken: forbiddenToken('client without a token', undefined),
  bob: forbiddenToken('client with a valid token of bob', { subject: 'bob' }),
  aliceSuffix: forbiddenToken('client with a valid token of alice2', { subject: 'alice2' }),
  aliceOtherAudience: refusedToken("alice's token for another audience", {
    subject: 'alice',
    audience: 'meshproof-frontend',
  }),
  aliceExpired: refusedToken("alice's token that expired ten minutes ago", {
    subject: 'alice',
    expiresInS: -600,
  }),
} satisfies Record<string, RequestCase>;

/** Once an access rule requires a principal, a token becomes required: 403 without one. */
export const jwtPrincipalRequired = defineCheck({
  id: 'security.jwt.principal-required',
  description:
    "With the server's RequestAuthentication and an access policy allowing only the request principal <issuer>/alice, alice's valid token is served; a request without a token and valid tokens of bob and of alice2 are denied 403 before the app; alice's token for another audience or expired is refused 401 (authentication comes before authorization).",
  features: [Feature.JwtAuth],
  profile: 'extended',
  intents: [
    serverRequestAuthentication,
    { kind: 'JwtAccessPolicy', service: 'server', rules: [{ principals: [principalOf('alice')] }] },
  ],
  convergence: noTokenForbiddenProbe,
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

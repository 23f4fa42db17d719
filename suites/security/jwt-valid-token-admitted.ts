import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import { defineCheck, Feature, jwtAudience } from '../../lib/model/index.ts';
import { admittedToken, serverRequestAuthentication, subjectHeader, tokenPlan } from './jwt-requests.ts';

const cases = {
  valid: admittedToken('client with a valid token of alice', { subject: 'alice' }),
  audienceList: admittedToken(
    "client with a valid token of bob whose aud lists another service's and the server's",
    {
      subject: 'bob',
      audience: ['meshproof-frontend', jwtAudience],
    },
  ),
  noToken: admittedToken('client without a token', undefined),
} satisfies Record<string, RequestCase>;

/** A valid token is admitted and the app sees what Istio documents: the claim headers, not the token. */
export const jwtValidTokenAdmitted = defineCheck({
  id: 'security.jwt.valid-token-admitted',
  description: `With a RequestAuthentication for the fixture issuer and the server's audience that copies sub to ${subjectHeader}, a request with a valid token is served, the app shown ${subjectHeader} and not the token (Istio removes it unless forwardOriginalToken); a token whose aud is a list naming the server among others is valid too; a request without a token is admitted (RequestAuthentication alone requires none).`,
  features: [Feature.JwtAuth],
  profile: 'extended',
  intents: [serverRequestAuthentication],
  convergence: {
    plan: tokenPlan({ subject: 'alice' }, 1),
    confirmed: (o) => o.appHeaders?.[subjectHeader] === 'alice',
  },
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import { defineCheck, Feature } from '../../lib/model/index.ts';
import {
  admittedToken,
  forbiddenToken,
  noTokenForbiddenProbe,
  serverRequestAuthentication,
} from './jwt-requests.ts';

const cases = {
  inList: admittedToken('token of carol with groups [users, admins]', {
    subject: 'carol',
    claims: { groups: ['users', 'admins'] },
  }),
  asString: admittedToken('token of dave with groups "admins"', {
    subject: 'dave',
    claims: { groups: 'admins' },
  }),
  otherGroup: forbiddenToken('token of erin with groups [users]', {
    subject: 'erin',
    claims: { groups: ['users'] },
  }),
  prefixed: forbiddenToken('token of frank with groups [admins-readonly]', {
    subject: 'frank',
    claims: { groups: ['admins-readonly'] },
  }),
  otherClaim: forbiddenToken('token of grace with role admins (another claim)', {
    subject: 'grace',
    claims: { role: 'admins' },
  }),
  noToken: forbiddenToken('client without a token', undefined),
} satisfies Record<string, RequestCase>;

/** Access by claim: exact values, element by element for a list; every other token denied. */
export const jwtAccessByClaim = defineCheck({
  id: 'security.jwt.access-by-claim',
  description:
    "With the server's RequestAuthentication and an access policy requiring the claim groups to hold admins, tokens whose groups is the list [users, admins] or the string admins are served; groups [users], groups [admins-readonly], the value in another claim (role) and no token are denied 403 before the app.",
  features: [Feature.JwtAuth],
  profile: 'extended',
  intents: [
    serverRequestAuthentication,
    { kind: 'JwtAccessPolicy', service: 'server', rules: [{ claims: { groups: ['admins'] } }] },
  ],
  convergence: noTokenForbiddenProbe,
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

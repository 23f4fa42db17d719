import {
  caseTraffic,
  deniedCase,
  deniedProbe,
  judgeCases,
  type RequestCase,
} from '../../lib/judges/cases.ts';
import type { CallerName } from '../../lib/model/index.ts';
import { defineCheck, Feature, isSuccess } from '../../lib/model/index.ts';

const request = (caller: CallerName, method: string, path: string) => ({
  caller,
  service: 'server' as const,
  method,
  path,
  requests: 10,
});

const served = (caller: CallerName, method: string, path: string): RequestCase => ({
  label: `${caller} ${method} ${path}`,
  plan: request(caller, method, path),
  want: '2xx',
  ok: isSuccess,
});

const denied = (caller: CallerName, method: string, path: string): RequestCase =>
  deniedCase(`${caller} ${method} ${path}`, request(caller, method, path));

const cases = {
  allowed: served('client', 'GET', '/api/items'),
  otherMethod: denied('client', 'DELETE', '/api/items'),
  otherPath: denied('client', 'GET', '/admin/users'),
  otherCaller: denied('frontend', 'GET', '/api/items'),
  noIdentity: denied('outsider', 'GET', '/api/items'),
  openFromFrontend: served('frontend', 'GET', '/public/status'),
  openFromOutsider: served('outsider', 'GET', '/public/status'),
} satisfies Record<string, RequestCase>;

/** A rule holds only when all its conditions hold; an open path stays open. */
export const methodAndPath = defineCheck({
  id: 'security.authz.method-and-path',
  description:
    'An access policy allowing the client GET on /api/ lets exactly that through and denies with 403, before the app, each request that meets all but one of its conditions: the client with another method (DELETE) or on another path (/admin/users), and another meshed caller (frontend) or a caller without identity (outsider) with the right method and path; a path opened to all (/public/) stays reachable by every caller.',
  features: [Feature.AuthzByIdentity, Feature.AuthzByRequest, Feature.RequestAuthzOutsideMesh],
  profile: 'core',
  intents: [
    {
      kind: 'AccessPolicy',
      service: 'server',
      rules: [
        { from: ['client'], methods: ['GET'], pathPrefixes: ['/api/'] },
        { pathPrefixes: ['/public/'] },
      ],
    },
  ],
  convergence: deniedProbe({ caller: 'client', service: 'server', method: 'DELETE', path: '/api/items' }),
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

import {
  caseTraffic,
  deniedCase,
  deniedProbe,
  describePathsSeen,
  judgeCases,
  type RequestCase,
  servedByApp,
} from '../../lib/judges/cases.ts';
import { defineCheck, Feature } from '../../lib/model/index.ts';

const get = (path: string) => ({ caller: 'client' as const, service: 'server' as const, path, requests: 10 });

const inside = (path: string): RequestCase => ({
  label: `GET ${path}`,
  plan: get(path),
  want: '2xx',
  ok: servedByApp,
  describe: describePathsSeen,
});

const outside = (path: string): RequestCase => deniedCase(`GET ${path}`, get(path), describePathsSeen);

const cases = {
  api: inside('/api'),
  apiSlash: inside('/api/'),
  apiItems: inside('/api/items'),
  public: inside('/public'),
  publicStatus: inside('/public/status'),
  apiary: outside('/apiary'),
  publicity: outside('/publicity'),
  upperCase: outside('/API/items'),
  encodedSlash: outside('/api%2Fitems'),
  encodedTraversal: outside('/public%2F..%2Fadmin/users'),
} satisfies Record<string, RequestCase>;

/** A path prefix ends at a segment boundary and is case-sensitive. */
export const pathPrefixBoundary = defineCheck({
  id: 'security.authz.path-prefix-boundary',
  description:
    'Access rules opening the path prefixes /api and /public/ to all let in every path at or below them, segment by segment (/api, /api/, /api/items, /public, /public/status), and deny with 403, before the app, the near misses a string prefix or a case-blind match would let in: /apiary, /publicity, /API/items, /api%2Fitems and /public%2F..%2Fadmin/users (an encoded slash is not a segment boundary).',
  features: [Feature.AuthzByRequest],
  profile: 'core',
  intents: [
    {
      kind: 'AccessPolicy',
      service: 'server',
      rules: [{ pathPrefixes: ['/api'] }, { pathPrefixes: ['/public/'] }],
    },
  ],
  convergence: deniedProbe({ caller: 'client', service: 'server', path: '/admin/users' }),
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

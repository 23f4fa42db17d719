import {
  caseTraffic,
  deniedCase,
  deniedProbe,
  deniedUnseen,
  describePathsSeen,
  judgeCases,
  type RequestCase,
  servedByApp,
} from '../../lib/judges/cases.ts';
import { isNormalized, isUnderPrefix, pathOf } from '../../lib/judges/paths.ts';
import type { Observation } from '../../lib/model/index.ts';
import { defineCheck, Feature } from '../../lib/model/index.ts';

const open = '/public';

const get = (path: string) => ({
  caller: 'client' as const,
  service: 'server' as const,
  path,
  requests: 10,
  ledger: true,
});

/** Served, with the app receiving a normalized path inside what the policy opens. */
const servedInside = (o: Observation) =>
  servedByApp(o) && o.path !== undefined && isNormalized(o.path) && isUnderPrefix(o.path, open);

const denied = (path: string): RequestCase => deniedCase(`GET ${path}`, get(path), describePathsSeen);

const servedAs = (path: string, normalized: string): RequestCase => ({
  label: `GET ${path}`,
  plan: get(path),
  want: `2xx, the app receiving ${normalized}`,
  ok: (o) => servedByApp(o) && o.path !== undefined && pathOf(o.path) === normalized,
  describe: describePathsSeen,
});

/** Where meshes' options differ (merging slashes, how a client escapes `\`), either safe answer. */
const deniedOrConfined = (path: string): RequestCase => ({
  label: `GET ${path}`,
  plan: get(path),
  want: `403 before the app, or 2xx with the app receiving a normalized path under ${open}`,
  ok: (o, ctx) => deniedUnseen(o, ctx.denialOf('client')) || servedInside(o),
  describe: describePathsSeen,
});

const cases = {
  dotDot: denied('/public/../admin/users'),
  encodedDotDot: denied('/public/%2e%2e/admin/users'),
  mixedDotDot: denied('/public/.%2E/admin/users'),
  dot: servedAs('/public/./status', '/public/status'),
  dotDotIntoOpen: servedAs('/admin/../public/status', '/public/status'),
  doubleSlashDotDot: deniedOrConfined('/public//../admin/users'),
  backslashDotDot: deniedOrConfined('/public/..\\admin/users'),
} satisfies Record<string, RequestCase>;

/** Authorization judges the path the app will act on, not the bytes the caller sent. */
export const normalizedPath = defineCheck({
  id: 'security.authz.normalized-path',
  description:
    "With a policy opening only /public, the server's proxy normalizes paths (RFC 3986, Istio's default pathNormalization BASE) before authorizing and forwards the normalized path: dot segments that climb out of /public, plain or percent-encoded (/public/../admin/users, /public/%2e%2e/admin/users, /public/.%2E/admin/users) get 403 before the app; /public/./status and /admin/../public/status are served and the app receives /public/status; /public//../admin/users and /public/..\\admin/users are denied, or served only as a normalized path under /public.",
  features: [Feature.AuthzByRequest, Feature.PathNormalization],
  profile: 'core',
  intents: [{ kind: 'AccessPolicy', service: 'server', rules: [{ pathPrefixes: [open] }] }],
  convergence: deniedProbe({ caller: 'client', service: 'server', path: '/admin/users' }),
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

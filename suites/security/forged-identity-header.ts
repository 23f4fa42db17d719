import {
  caseTraffic,
  deniedCase,
  deniedProbe,
  judgeCases,
  type RequestCase,
  servedByApp,
} from '../../lib/judges/cases.ts';
import type { JudgeContext, Observation, TrafficPlan } from '../../lib/model/index.ts';
import {
  callerIdentity,
  defineCheck,
  describeOutcomes,
  Feature,
  isSuccess,
  serverIdentity,
  spiffeId,
} from '../../lib/model/index.ts';

/** What a plaintext caller claiming to be the client sends, in the formats the meshes use. */
const forged = {
  'x-forwarded-client-cert': `By=${spiffeId(serverIdentity('v1'))};Hash=${'0'.repeat(64)};Subject="";URI=${spiffeId(callerIdentity('client'))}`,
  'l5d-client-id': 'client.meshproof.serviceaccount.identity.linkerd.cluster.local',
} as const;

type ForgedHeader = keyof typeof forged;

const forging = (header: ForgedHeader, path: string): TrafficPlan => ({
  caller: 'outsider',
  service: 'server',
  path,
  headers: { [header]: forged[header] },
  requests: 10,
});

const shownIdentity = (list: readonly Observation[]) => {
  const shown = list.flatMap((o) => (o.identity ? [`${o.identity.header}: ${o.identity.value}`] : []));
  return `${describeOutcomes(list)}${shown.length > 0 ? `; the app saw ${[...new Set(shown)].join(', ')}` : ''}`;
};

const servedWithoutIdentity = (header: ForgedHeader, meshHeader: string | undefined): RequestCase => ({
  label: `outsider with a forged ${header} on /public/status`,
  plan: forging(header, '/public/status'),
  want: "2xx, the app shown no identity on the mesh's identity header",
  ok: (o) => servedByApp(o) && meshHeader !== undefined && o.identity?.header !== meshHeader,
  describe: shownIdentity,
});

const deniedDespiteClaim = (header: ForgedHeader): RequestCase =>
  deniedCase(`outsider with a forged ${header} on /api/items (client only)`, forging(header, '/api/items'));

/**
 * The cases, given the header on which this mesh shows the app a caller identity, as the genuine
 * client's requests reveal it (x-forwarded-client-cert for Istio and the reference mesh,
 * l5d-client-id for Linkerd): a header the mesh does not own is just a header to the app.
 */
const cases = (meshHeader?: string) =>
  ({
    client: {
      label: 'client on /api/items',
      plan: { caller: 'client', service: 'server', path: '/api/items', requests: 10 },
      want: 'served with its own identity',
      ok: (o: Observation, ctx: JudgeContext) =>
        isSuccess(o) && o.identity?.value === ctx.identityOf('client'),
      describe: shownIdentity,
    },
    xfccOpen: servedWithoutIdentity('x-forwarded-client-cert', meshHeader),
    l5dOpen: servedWithoutIdentity('l5d-client-id', meshHeader),
    xfccGuarded: deniedDespiteClaim('x-forwarded-client-cert'),
    l5dGuarded: deniedDespiteClaim('l5d-client-id'),
  }) satisfies Record<string, RequestCase>;

/** A caller cannot talk its way into an identity: only the peer certificate counts. */
export const forgedIdentityHeader = defineCheck({
  id: 'security.authz.forged-identity-header',
  description:
    'Under PERMISSIVE mTLS with a policy opening /api/ to the client only and /public/ to all, a plaintext caller that sends its own X-Forwarded-Client-Cert or l5d-client-id naming the client is served on /public/ without the app being shown that identity, and denied with 403 on /api/ before the app; the genuine client is served on /api/ with its identity.',
  features: [
    Feature.MtlsPermissive,
    Feature.IdentityHeader,
    Feature.AuthzByIdentity,
    Feature.AuthzByRequest,
    Feature.RequestAuthzOutsideMesh,
  ],
  profile: 'core',
  intents: [
    { kind: 'PeerAuthentication', service: 'server', mode: 'PERMISSIVE' },
    {
      kind: 'AccessPolicy',
      service: 'server',
      rules: [{ from: ['client'], pathPrefixes: ['/api/'] }, { pathPrefixes: ['/public/'] }],
    },
  ],
  convergence: deniedProbe({ caller: 'outsider', service: 'server', path: '/api/items' }),
  traffic: caseTraffic(cases()),
  judge: (observations, ctx) => {
    const meshHeader = observations.client.find((o) => o.identity)?.identity?.header;
    return judgeCases(cases(meshHeader), observations, ctx);
  },
});

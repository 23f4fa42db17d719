import { type RequestCase, servedByApp } from '../../lib/judges/cases.ts';
import type { Observation, PeerAuthenticationIntent } from '../../lib/model/index.ts';
import { Feature, ingressHost } from '../../lib/model/index.ts';
import {
  defineIngressCheck,
  describeIngress,
  ingressPlan,
  serverIngress,
  verifiedHttps,
} from './ingress-requests.ts';

const strictServer: PeerAuthenticationIntent = {
  kind: 'PeerAuthentication',
  service: 'server',
  mode: 'STRICT',
};

const identitySeen = (list: readonly Observation[]) =>
  `${describeIngress(list)}; identities seen: ${[...new Set(list.map((o) => o.identity?.value ?? '(none)'))].join(', ')}`;

const cases = {
  throughGateway: {
    label: `outside client over verified HTTPS to ${ingressHost}, /api/items`,
    plan: ingressPlan(verifiedHttps),
    want: "2xx from the app, which is shown the ingress gateway's identity",
    ok: (o, ctx) => servedByApp(o) && o.identity?.value === ctx.identityOf('ingress-gateway'),
    describe: identitySeen,
  },
  forgedIdentity: {
    label: "the same with an X-Forwarded-Client-Cert naming the client's identity",
    plan: ingressPlan(verifiedHttps, undefined, {
      headers: {
        'x-forwarded-client-cert':
          'By=spiffe://cluster.local/ns/meshproof/sa/server;URI=spiffe://cluster.local/ns/meshproof/sa/client',
      },
    }),
    want: "2xx from the app, which is shown the ingress gateway's identity, not the one the client wrote",
    ok: (o, ctx) => servedByApp(o) && o.identity?.value === ctx.identityOf('ingress-gateway'),
    describe: identitySeen,
  },
} satisfies Record<string, RequestCase>;

/** The gateway is a mesh member: it reaches a STRICT server over mTLS and the app sees its identity. */
export const ingressGatewayIdentity = defineIngressCheck({
  id: 'traffic.ingress.gateway-identity',
  description: `With an ingress gateway for ${ingressHost} and STRICT mTLS on the server, a request from outside through the gateway is served, and the app is shown the gateway's own mesh identity (X-Forwarded-Client-Cert URI, or l5d-client-id), also when the outside client sends an X-Forwarded-Client-Cert naming the client. Near miss (defect): the gateway reaching the server in plaintext, which STRICT refuses and which carries no identity.`,
  cases,
  intents: [serverIngress, strictServer],
  moreFeatures: [Feature.MtlsStrict, Feature.IdentityHeader],
});

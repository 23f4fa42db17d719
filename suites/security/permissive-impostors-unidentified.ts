import { caseTraffic, judgeCases, type RequestCase, servedByApp } from '../../lib/judges/cases.ts';
import type { ForgedCredential, Observation } from '../../lib/model/index.ts';
import { defineCheck, describeOutcomes, Feature, isSuccess } from '../../lib/model/index.ts';

const identities = (list: readonly Observation[]) => {
  const shown = list.filter((o) => o.identity).map((o) => o.identity?.value);
  return `${describeOutcomes(list)}${shown.length > 0 ? `; the app was shown ${[...new Set(shown)].join(', ')}` : '; no identity shown to the app'}`;
};

const unidentified = (label: string, presents: ForgedCredential): RequestCase => ({
  label,
  plan: { caller: 'outsider', service: 'server', presents, requests: 10 },
  want: 'refused, or served without an identity',
  ok: (o) => !o.identity,
  describe: identities,
});

const cases = {
  foreignCa: unidentified("TLS with the client's SPIFFE ID from another CA", 'foreign-ca'),
  expired: unidentified("TLS with the client's expired mesh certificate", 'expired'),
  noClientCert: unidentified('TLS without a client certificate', 'no-client-cert'),
  plaintext: {
    label: 'plaintext outsider',
    plan: { caller: 'outsider', service: 'server', requests: 10 },
    want: 'served without an identity',
    ok: (o) => servedByApp(o) && !o.identity,
    describe: identities,
  },
  client: {
    label: 'meshed client',
    plan: { caller: 'client', service: 'server', requests: 10 },
    want: 'served with its identity',
    ok: (o, ctx) => isSuccess(o) && o.identity?.value === ctx.identityOf('client'),
    describe: identities,
  },
} satisfies Record<string, RequestCase>;

/** PERMISSIVE lets unauthenticated callers in, but never lends them an identity they cannot prove. */
export const permissiveImpostorsUnidentified = defineCheck({
  id: 'security.mtls.permissive-impostors-unidentified',
  description:
    "Under PERMISSIVE mTLS, a caller presenting a certificate with the client's SPIFFE ID signed by another CA, the client's expired mesh certificate, or TLS without a client certificate is refused or served without an identity, never as the client; a plaintext caller is served without an identity and the meshed client with its own.",
  features: [Feature.MtlsPermissive, Feature.IdentityHeader],
  profile: 'core',
  intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'PERMISSIVE' }],
  convergence: {
    plan: { caller: 'outsider', service: 'server', requests: 1 },
    confirmed: (o) => isSuccess(o),
  },
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import type { ForgedCredential } from '../../lib/model/index.ts';
import { defineCheck, Feature, isSuccess } from '../../lib/model/index.ts';

const refused = (label: string, presents: ForgedCredential): RequestCase => ({
  label,
  plan: { caller: 'outsider', service: 'server', presents, requests: 10, ledger: true },
  want: 'no 2xx, never at the app',
  ok: (o) => !isSuccess(o) && o.serverAttempts === 0,
});

const cases = {
  foreignCa: refused("TLS with the client's SPIFFE ID from another CA", 'foreign-ca'),
  expired: refused("TLS with the client's expired mesh certificate", 'expired'),
  noClientCert: refused('TLS without a client certificate', 'no-client-cert'),
  client: {
    label: 'meshed client',
    plan: { caller: 'client', service: 'server', requests: 10 },
    want: '2xx',
    ok: isSuccess,
  },
} satisfies Record<string, RequestCase>;

/** Under STRICT mTLS, only a valid certificate of the mesh's own CA gets a caller in. */
export const strictRejectsImpostors = defineCheck({
  id: 'security.mtls.strict-rejects-impostors',
  description:
    "Under STRICT mTLS, callers that speak TLS themselves but hold no valid mesh certificate get no 2xx and never reach the app: one presenting a certificate with the client's SPIFFE ID signed by another CA, one presenting the client's certificate from the mesh CA that has expired, and one presenting no client certificate; the meshed client is still served.",
  features: [Feature.MtlsStrict],
  profile: 'core',
  intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }],
  convergence: {
    plan: { caller: 'outsider', service: 'server', requests: 1 },
    confirmed: (o) => !isSuccess(o),
  },
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

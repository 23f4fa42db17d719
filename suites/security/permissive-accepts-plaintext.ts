import { defineCheck, describeOutcomes, Feature, isSuccess, values } from '../../lib/model/index.ts';

/** PERMISSIVE lets plaintext in (migration mode) and still uses mTLS between meshed workloads. */
export const permissiveAcceptsPlaintext = defineCheck({
  id: 'security.mtls.permissive-accepts-plaintext',
  description:
    'Under PERMISSIVE mTLS, a plaintext caller outside the mesh is served (without an identity) and meshed callers are served over mTLS with theirs.',
  features: [Feature.MtlsPermissive],
  profile: 'core',
  intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'PERMISSIVE' }],
  convergence: {
    plan: { caller: 'outsider', service: 'server', requests: 1 },
    confirmed: (o) => isSuccess(o),
  },
  traffic: {
    outsider: { caller: 'outsider', service: 'server', requests: 20 },
    client: { caller: 'client', service: 'server', requests: 10 },
  },
  judge: ({ outsider, client }, ctx) => {
    const outsiderServed = outsider.filter((o) => isSuccess(o) && o.servedBy !== undefined).length;
    const outsiderWithIdentity = outsider.filter((o) => o.identity).length;
    const clientMtls = client.filter(
      (o) => isSuccess(o) && o.identity?.value === ctx.identityOf('client'),
    ).length;
    const passed =
      outsiderServed === outsider.length && outsiderWithIdentity === 0 && clientMtls === client.length;
    return {
      status: passed ? 'PASSED' : 'FAILED',
      want: `plaintext outsider: ${outsider.length} of ${outsider.length} served by the app, none with an identity; client: ${client.length} of ${client.length} served with identity ${ctx.identityOf('client')}`,
      got: `outsider: ${describeOutcomes(outsider)}, ${outsiderServed} served by the app, ${outsiderWithIdentity} with an identity; client: ${clientMtls} of ${client.length} served with its identity`,
      evidence: values({ outsiderServed, outsiderWithIdentity, clientMtls }),
    };
  },
});

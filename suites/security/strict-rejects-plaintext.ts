import { defineCheck, describeOutcomes, Feature, isSuccess, values } from '../../lib/model/index.ts';

/** Under STRICT mTLS a caller outside the mesh is refused before the app sees anything. */
export const strictRejectsPlaintext = defineCheck({
  id: 'security.mtls.strict-rejects-plaintext',
  description:
    'Under STRICT mTLS, a plaintext caller outside the mesh gets no 2xx and the server app never sees its requests, while meshed callers are still served.',
  features: [Feature.MtlsStrict],
  profile: 'core',
  intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }],
  convergence: {
    plan: { caller: 'outsider', service: 'server', requests: 1 },
    confirmed: (o) => !isSuccess(o),
  },
  traffic: {
    outsider: { caller: 'outsider', service: 'server', requests: 30, ledger: true },
    client: { caller: 'client', service: 'server', requests: 10 },
  },
  judge: ({ outsider, client }) => {
    const admitted = outsider.filter(isSuccess).length;
    const reachedApp = outsider.filter((o) => (o.serverAttempts ?? 0) > 0).length;
    const clientServed = client.filter(isSuccess).length;
    return {
      status: admitted === 0 && reachedApp === 0 && clientServed === client.length ? 'PASSED' : 'FAILED',
      want: `plaintext outsider: no 2xx and 0 of ${outsider.length} requests reach the app; meshed client: ${client.length} of ${client.length} 2xx`,
      got: `outsider: ${describeOutcomes(outsider)}, ${reachedApp} of ${outsider.length} reached the app; client: ${describeOutcomes(client)}`,
      evidence: values({
        outsider: { admitted, reachedApp, total: outsider.length },
        client: { served: clientServed },
      }),
    };
  },
});

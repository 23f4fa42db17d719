import { refused } from '../../lib/judges/cases.ts';
import { defineCheck, describeOutcomes, Feature, isSuccess, values } from '../../lib/model/index.ts';

/** An identity an access policy lists is let through. */
export const allowListedIdentity = defineCheck({
  id: 'security.authz.allow-listed-identity',
  description: 'A caller whose identity an access policy allows is served by the app.',
  features: [Feature.AuthzByIdentity],
  profile: 'core',
  intents: [{ kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client'] }] }],
  // The policy is in effect once an unlisted caller is denied.
  convergence: {
    plan: { caller: 'frontend', service: 'server', requests: 1 },
    confirmed: (o, ctx) => refused(o, ctx.denialOf('frontend')),
  },
  traffic: { client: { caller: 'client', service: 'server', requests: 20 } },
  judge: ({ client }, ctx) => {
    const served = client.filter(
      (o) => isSuccess(o) && o.identity?.value === ctx.identityOf('client'),
    ).length;
    return {
      status: served === client.length ? 'PASSED' : 'FAILED',
      want: `client (allowed by the policy): ${client.length} of ${client.length} served by the app`,
      got: `client: ${describeOutcomes(client)}; ${served} served by the app with the client's identity`,
      evidence: values({ served, total: client.length }),
    };
  },
});

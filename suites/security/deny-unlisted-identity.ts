import type { Observation } from '../../lib/model/index.ts';
import { defineCheck, describeOutcomes, Feature } from '../../lib/model/index.ts';

const deniedUnseen = (o: Observation) =>
  o.outcome === 'response' && o.status === 403 && o.serverAttempts === 0;

/** Once a policy selects a workload, callers it does not list are denied with 403. */
export const denyUnlistedIdentity = defineCheck({
  id: 'security.authz.deny-unlisted-identity',
  description:
    'Once an access policy selects the server, a meshed caller it does not list and a caller without identity get 403, and the app never sees their requests.',
  features: [Feature.AuthzByIdentity],
  profile: 'core',
  intents: [{ kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client'] }] }],
  convergence: {
    plan: { caller: 'frontend', service: 'server', requests: 1 },
    confirmed: (o) => o.outcome === 'response' && o.status === 403,
  },
  traffic: {
    frontend: { caller: 'frontend', service: 'server', requests: 20, ledger: true },
    outsider: { caller: 'outsider', service: 'server', requests: 20, ledger: true },
  },
  judge: ({ frontend, outsider }) => {
    const deniedFrontend = frontend.filter(deniedUnseen).length;
    const deniedOutsider = outsider.filter(deniedUnseen).length;
    const reached = [...frontend, ...outsider].filter((o) => (o.serverAttempts ?? 0) > 0).length;
    return {
      status: deniedFrontend === frontend.length && deniedOutsider === outsider.length ? 'PASSED' : 'FAILED',
      want: `frontend (not listed): 403 ×${frontend.length}; outsider (no identity): 403 ×${outsider.length}; none reach the app`,
      got: `frontend: ${describeOutcomes(frontend)}; outsider: ${describeOutcomes(outsider)}; ${reached} reached the app`,
      evidence: { deniedFrontend, deniedOutsider, reachedApp: reached },
    };
  },
});

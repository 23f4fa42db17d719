import { deniedUnseen, refused } from '../../lib/judges/cases.ts';
import { defineCheck, describeOutcomes, Feature, values } from '../../lib/model/index.ts';

/** Once a policy selects a workload, callers it does not list are denied with 403. */
export const denyUnlistedIdentity = defineCheck({
  id: 'security.authz.deny-unlisted-identity',
  description:
    "Once an access policy selects the server, a meshed caller it does not list and a caller without identity are denied, and the app never sees their requests: 403 from the mesh's proxy (Istio ambient: from the server's waypoint for the meshed caller; the caller outside the mesh never passes a waypoint and is refused by the server's ztunnel, which closes its connection).",
  features: [Feature.AuthzByIdentity],
  profile: 'core',
  intents: [{ kind: 'AccessPolicy', service: 'server', rules: [{ from: ['client'] }] }],
  convergence: {
    plan: { caller: 'frontend', service: 'server', requests: 1 },
    confirmed: (o, ctx) => refused(o, ctx.denialOf('frontend')),
  },
  traffic: {
    frontend: { caller: 'frontend', service: 'server', requests: 20, ledger: true },
    outsider: { caller: 'outsider', service: 'server', requests: 20, ledger: true },
  },
  judge: ({ frontend, outsider }, ctx) => {
    const deniedFrontend = frontend.filter((o) => deniedUnseen(o, ctx.denialOf('frontend'))).length;
    const deniedOutsider = outsider.filter((o) => deniedUnseen(o, ctx.denialOf('outsider'))).length;
    const reached = [...frontend, ...outsider].filter((o) => (o.serverAttempts ?? 0) > 0).length;
    const how = (caller: 'frontend' | 'outsider', n: number) =>
      ctx.denialOf(caller) === 'forbidden' ? `403 ×${n}` : `connection closed before any response ×${n}`;
    return {
      status: deniedFrontend === frontend.length && deniedOutsider === outsider.length ? 'PASSED' : 'FAILED',
      want: `frontend (not listed): ${how('frontend', frontend.length)}; outsider (no identity): ${how('outsider', outsider.length)}; none reach the app`,
      got: `frontend: ${describeOutcomes(frontend)}; outsider: ${describeOutcomes(outsider)}; ${reached} reached the app`,
      evidence: values({ deniedFrontend, deniedOutsider, reachedApp: reached }),
    };
  },
});

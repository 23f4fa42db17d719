import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
import { allowedExternalHost, defineCheck, Feature } from '../../lib/model/index.ts';
import { allowExtExample, egressPlan, forbiddenRefusedProbe, reachedCase } from './egress-requests.ts';

const cases = {
  client: reachedCase(`client → ${allowedExternalHost}`, egressPlan('client', allowedExternalHost, 'ext')),
  frontend: reachedCase(
    `frontend → ${allowedExternalHost}`,
    egressPlan('frontend', allowedExternalHost, 'ext'),
  ),
  capitals: reachedCase(
    'client → EXT.Example (the same name in capitals)',
    egressPlan('client', 'EXT.Example', 'ext'),
  ),
} satisfies Record<string, RequestCase>;

/** Registry-only egress still lets every caller of the namespace reach the external host it lists. */
export const egressAllowedHostReached = defineCheck({
  id: 'security.egress.allowed-host-reached',
  description: `With registry-only egress for the callers' namespace and a ServiceEntry for ${allowedExternalHost} (HTTP, on the port of its fixture outside the mesh), every request of the client and of the frontend to ${allowedExternalHost} is answered 2xx by that host, also with the Host in capitals (DNS names and Envoy's virtual-host domains are case-insensitive); the policy is in force once a request to another host is refused.`,
  features: [Feature.EgressControl],
  profile: 'extended',
  intents: [allowExtExample],
  convergence: forbiddenRefusedProbe,
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

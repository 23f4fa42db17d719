import type { RequestCase } from '../../lib/judges/cases.ts';
import { allowedExternalHost } from '../../lib/model/index.ts';
import { defineEgressCheck, egressPlan, reachedCase } from './egress-requests.ts';

const cases = {
  client: reachedCase(`client → ${allowedExternalHost}`, egressPlan('client', allowedExternalHost, 'ext')),
  frontend: reachedCase(
    `frontend → ${allowedExternalHost}`,
    egressPlan('frontend', allowedExternalHost, 'ext'),
  ),
  withPort: reachedCase(`client → ${allowedExternalHost}:<its port> (the port in the Host)`, {
    ...egressPlan('client', allowedExternalHost, 'ext'),
    egress: { host: allowedExternalHost, destination: 'ext', portInHost: true },
  }),
  capitals: reachedCase(
    'client → EXT.Example (the same name in capitals)',
    egressPlan('client', 'EXT.Example', 'ext'),
  ),
} satisfies Record<string, RequestCase>;

/** Registry-only egress still lets every caller of the namespace reach the external host it lists. */
export const egressAllowedHostReached = defineEgressCheck(
  'security.egress.allowed-host-reached',
  `With registry-only egress for the callers' namespace and a ServiceEntry for ${allowedExternalHost} (HTTP, on the port of its fixture outside the mesh), every request of the client and of the frontend to ${allowedExternalHost} is answered 2xx by that host, also with the Host in capitals (DNS names and Envoy's virtual-host domains are case-insensitive) and with its port in the Host (Istio lists host and host:port as domains); near misses: a case-sensitive or port-sensitive Host comparison, a ServiceEntry the callers never see; the policy is in force once a request to another host is refused.`,
  cases,
);

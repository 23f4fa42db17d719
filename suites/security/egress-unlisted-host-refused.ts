import type { RequestCase } from '../../lib/judges/cases.ts';
import { allowedExternalHost, forbiddenExternalHost } from '../../lib/model/index.ts';
import { defineEgressCheck, egressPlan, refusedCase } from './egress-requests.ts';

const cases = {
  forbidden: refusedCase(
    `client → ${forbiddenExternalHost} (on the allowed host's port number)`,
    egressPlan('client', forbiddenExternalHost, 'forbidden'),
  ),
  otherPort: refusedCase(
    `client → ${allowedExternalHost} on a port no ServiceEntry declares`,
    egressPlan('client', allowedExternalHost, 'ext-alt'),
  ),
  frontend: refusedCase(
    `frontend → ${forbiddenExternalHost}`,
    egressPlan('frontend', forbiddenExternalHost, 'forbidden'),
  ),
} satisfies Record<string, RequestCase>;

/** Registry-only egress refuses every destination it does not list, on every caller of the namespace. */
export const egressUnlistedHostRefused = defineEgressCheck(
  'security.egress.unlisted-host-refused',
  `With registry-only egress for the callers' namespace allowing only ${allowedExternalHost} on one port, the caller's own proxy refuses, and no server answers: the client's and the frontend's requests to ${forbiddenExternalHost} (listening on the same port number, so they meet the listener that serves the allowed host: 502 in Istio), and the client's to ${allowedExternalHost} on its other port (no listener: the connection closed). Near misses: an allow-any fallback, an allow-list keyed by host without the port, a policy applied to one workload of the namespace.`,
  cases,
);

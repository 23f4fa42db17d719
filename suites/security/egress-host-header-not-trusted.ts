import type { RequestCase } from '../../lib/judges/cases.ts';
import { allowedExternalHost } from '../../lib/model/index.ts';
import { defineEgressCheck, egressPlan, notAtDialledCase } from './egress-requests.ts';

const cases = {
  forgedHost: notAtDialledCase(
    `client → the forbidden host's address with Host ${allowedExternalHost}`,
    egressPlan('client', allowedExternalHost, 'forbidden'),
  ),
} satisfies Record<string, RequestCase>;

/** An allowed Host header does not open the way to the address the app dialled. */
export const egressHostHeaderNotTrusted = defineEgressCheck(
  'security.egress.host-header-not-trusted',
  `With registry-only egress allowing ${allowedExternalHost}, a request that dials the forbidden host's address but sends Host ${allowedExternalHost} is never answered by the forbidden host: Istio routes an allowed Host to the ServiceEntry's own endpoints (so ${allowedExternalHost} answers it), a mesh may refuse it. Near miss: a ServiceEntry with resolution NONE, whose ORIGINAL_DST cluster trusts the Host header and forwards to whatever address was dialled.`,
  cases,
);

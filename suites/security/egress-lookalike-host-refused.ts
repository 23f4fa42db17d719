import type { RequestCase } from '../../lib/judges/cases.ts';
import { allowedExternalHost } from '../../lib/model/index.ts';
import { defineEgressCheck, egressPlan, refusedCase } from './egress-requests.ts';

/** Names that share a prefix or a suffix with the allowed host, each served by the forbidden host. */
const lookalike = (host: string, why: string): RequestCase =>
  refusedCase(`client → ${host} (${why})`, egressPlan('client', host, 'forbidden'));

const cases = {
  suffix: lookalike(`evil${allowedExternalHost}`, 'ends with the allowed name'),
  subdomain: lookalike(`api.${allowedExternalHost}`, 'a subdomain, not listed'),
  prefix: lookalike(`${allowedExternalHost}.evil`, 'starts with the allowed name'),
} satisfies Record<string, RequestCase>;

/** Host names that only look like the allowed one are refused like any other. */
export const egressLookalikeHostRefused = defineEgressCheck(
  'security.egress.lookalike-host-refused',
  `With registry-only egress allowing only ${allowedExternalHost}, requests for names sharing a prefix or a suffix with it (evil${allowedExternalHost}, api.${allowedExternalHost}, ${allowedExternalHost}.evil), dialled to another host on the allowed port number, are refused by the caller's proxy (Istio: 502, the block_all virtual host) and answered by no server: a ServiceEntry host is matched whole, never as a prefix, a suffix or a wildcard. Near misses: matching by suffix or by prefix, the allowed host's virtual host taking every Host on its port (a 200 from the allowed host where a refusal was due).`,
  cases,
);

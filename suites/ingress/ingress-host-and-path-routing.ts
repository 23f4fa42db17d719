import type { RequestCase } from '../../lib/judges/cases.ts';
import { ingressHost } from '../../lib/model/index.ts';
import {
  defineIngressCheck,
  notRoutedCase,
  routedCase,
  routedPrefix,
  verifiedHttps,
} from './ingress-requests.ts';

const mixedCase = 'Ingress.MeshProof.TEST';

const cases = {
  routed: routedCase(`Host ${ingressHost}, /api/items`, verifiedHttps),
  prefixItself: routedCase(`Host ${ingressHost}, /api`, verifiedHttps, '/api'),
  hostCase: routedCase(`Host ${mixedCase} (the same name in other case), /api/items`, {
    ...verifiedHttps,
    sni: ingressHost,
    host: mixedCase,
  }),
  hostPort: routedCase(`Host ${ingressHost}:443, /api/items`, {
    ...verifiedHttps,
    sni: ingressHost,
    host: `${ingressHost}:443`,
  }),
  noBoundary: notRoutedCase(`Host ${ingressHost}, /apiary (no segment boundary)`, verifiedHttps, '/apiary'),
  pathCase: notRoutedCase(`Host ${ingressHost}, /API/items (other case)`, verifiedHttps, '/API/items'),
  otherPath: notRoutedCase(`Host ${ingressHost}, /admin (no route)`, verifiedHttps, '/admin'),
} satisfies Record<string, RequestCase>;

/** The gateway routes by host (any case, any port) and by path prefix (whole segments, case-sensitive). */
export const ingressHostAndPathRouting = defineIngressCheck({
  id: 'traffic.ingress.host-and-path-routing',
  description: `With an ingress gateway for ${ingressHost} routing the prefix ${routedPrefix} to the server, over verified HTTPS: /api/items and /api reach the app with their path; Host ${mixedCase} and Host ${ingressHost}:443 are the same host (Istio's gateway virtual hosts match case-insensitively and ignore the port) and reach the app; /apiary (a string prefix, not a segment), /API/items (case) and /admin (no route) are answered 404 by the gateway, never at the app.`,
  cases,
});

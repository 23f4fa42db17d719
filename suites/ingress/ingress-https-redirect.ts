import type { RequestCase } from '../../lib/judges/cases.ts';
import { ingressHost } from '../../lib/model/index.ts';
import { defineIngressCheck, describeIngress, ingressPlan } from './ingress-requests.ts';

const target = '/api/items?page=2&sort=name';
/** Envoy's require_tls answer: `https://` + the Host as sent + the path as sent. */
const location = `https://${ingressHost}${target}`;

/** A plain HTTP request the gateway must redirect with 301 to exactly {@link location}, never at the app. */
const redirected = (label: string, more: Parameters<typeof ingressPlan>[2] = {}): RequestCase => ({
  label,
  plan: ingressPlan({ scheme: 'http', host: ingressHost }, target, more),
  want: `301 with Location ${location}, never at the app`,
  ok: (o) =>
    o.outcome === 'response' &&
    o.status === 301 &&
    o.headers?.location === location &&
    o.serverAttempts === 0,
  describe: describeIngress,
});

const cases = {
  get: redirected(`plain HTTP GET ${target} with Host ${ingressHost}`),
  post: redirected(`plain HTTP POST ${target} with Host ${ingressHost} and a 2 KiB body`, {
    method: 'POST',
    body: 'x'.repeat(2048),
    headers: { 'content-type': 'text/plain' },
  }),
} satisfies Record<string, RequestCase>;

/** Plain HTTP to the host is redirected to HTTPS: 301, the Location exact, before the app. */
export const ingressHttpsRedirect = defineIngressCheck({
  id: 'traffic.ingress.https-redirect',
  description: `With an ingress gateway for ${ingressHost} with httpsRedirect (Istio renders require_tls: ALL, which Envoy answers 301), a plain HTTP GET and a POST with a body to ${target} are answered 301 with Location exactly ${location} (the Host and the path and query as sent) by the gateway; neither reaches the app. Near misses (defects): no redirect (HTTP served), http:// in the Location, the listener's port added, the gateway's own host instead of the Host sent, the path and query dropped, 302 or 308 (which resends the POST body) instead of 301.`,
  cases,
});

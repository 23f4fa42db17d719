import type { RequestCase } from '../../lib/judges/cases.ts';
import { ingressHost, otherIngressHost } from '../../lib/model/index.ts';
import { defineIngressCheck, routedCase, verifiedHttps } from './ingress-requests.ts';

const cases = {
  verified: routedCase(
    `outside client over HTTPS with SNI ${ingressHost}, trusting only the harness CA and checking the name`,
    verifiedHttps,
  ),
} satisfies Record<string, RequestCase>;

/** The gateway terminates TLS with the host's certificate from the harness CA, valid, chosen by SNI. */
export const ingressTlsHostCertificate = defineIngressCheck({
  id: 'traffic.ingress.tls-host-certificate',
  description: `With an ingress gateway for ${ingressHost} whose certificate the run issued from the harness's CA, an outside client that trusts only that CA and checks the name against its SNI (${ingressHost}, exactly) completes the handshake and is served by the app through the gateway. Near misses a client must refuse, each a defect: another host's certificate from the same CA (${otherIngressHost}), the host's name signed by another CA, the host's certificate expired ten minutes ago.`,
  cases,
});

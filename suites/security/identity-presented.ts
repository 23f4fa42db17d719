import type { CallerName, Observation } from '../../lib/model/index.ts';
import { defineCheck, Feature, isSuccess, values } from '../../lib/model/index.ts';

/** The server app learns exactly who called it, for every meshed caller. */
export const identityPresented = defineCheck({
  id: 'security.mtls.identity-presented',
  description:
    "The server app is shown each meshed caller's exact identity (Istio and the reference mesh: the SPIFFE URI in X-Forwarded-Client-Cert; Linkerd: l5d-client-id; Istio ambient, where no sidecar terminates mTLS: the URI in the X-Forwarded-Client-Cert that the server's waypoint writes from the peer identity of the caller's HBONE tunnel, opted in on the waypoint).",
  features: [Feature.IdentityHeader],
  profile: 'core',
  intents: [],
  traffic: {
    client: { caller: 'client', service: 'server', requests: 10 },
    frontend: { caller: 'frontend', service: 'server', requests: 10 },
  },
  judge: (observations, ctx) => {
    const callers = ['client', 'frontend'] as const;
    const seen = (caller: CallerName, list: readonly Observation[]) => {
      const values = new Set(list.map((o) => (isSuccess(o) ? (o.identity?.value ?? 'none') : `no 2xx`)));
      return `${caller} → ${[...values].join(' | ')}`;
    };
    const exact = callers.every((caller) =>
      observations[caller].every((o) => isSuccess(o) && o.identity?.value === ctx.identityOf(caller)),
    );
    return {
      status: exact ? 'PASSED' : 'FAILED',
      want: callers.map((c) => `${c} → ${ctx.identityOf(c)}`).join('; '),
      got: callers.map((c) => seen(c, observations[c])).join('; '),
      evidence: values(
        Object.fromEntries(
          callers.map((c) => [
            c,
            observations[c].slice(0, 3).map((o) => (o.identity ? { ...o.identity } : null)),
          ]),
        ),
      ),
    };
  },
});

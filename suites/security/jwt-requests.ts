import { type RequestCase, servedByApp } from '../../lib/judges/cases.ts';
import type {
  BearerToken,
  Convergence,
  Observation,
  RequestAuthenticationIntent,
  TrafficPlan,
} from '../../lib/model/index.ts';
import { describeOutcomes, jwtAudience, jwtIssuer } from '../../lib/model/index.ts';

/*
 * What the JWT checks share: the server's RequestAuthentication, the tokens they send and what a
 * conformant mesh does with each (Istio 1.30.3, docs/reference-mesh-semantics.md "End-user
 * authentication").
 */

/** The header the server's RequestAuthentication copies the `sub` claim to for the app. */
export const subjectHeader = 'x-jwt-sub';

/** The server's RequestAuthentication: the fixture issuer, the server's audience, `sub` shown to the app. */
export const serverRequestAuthentication: RequestAuthenticationIntent = {
  kind: 'RequestAuthentication',
  service: 'server',
  issuer: jwtIssuer,
  audiences: [jwtAudience],
  claimHeaders: { [subjectHeader]: 'sub' },
};

/** The request principal of a subject of the fixture issuer (`<iss>/<sub>`). */
export const principalOf = (subject: string): string => `${jwtIssuer}/${subject}`;

/** The client's requests to the server, with the token asked for (none when `bearer` is undefined). */
export function tokenPlan(bearer: BearerToken | undefined, requests = 10): TrafficPlan {
  return {
    caller: 'client',
    service: 'server',
    path: '/api/items',
    requests,
    ledger: true,
    ...(bearer ? { bearer } : {}),
  };
}

/** Outcomes, and for the requests the app served, what it was shown of the token. */
export function describeTokenSeen(list: readonly Observation[]): string {
  const shown = new Map<string, number>();
  for (const o of list) {
    if (o.servedBy === undefined) continue;
    const headers = o.appHeaders ?? {};
    const parts = [
      `${subjectHeader}: ${headers[subjectHeader] ?? '(none)'}`,
      headers.authorization !== undefined ? 'the token' : 'no token',
    ];
    const key = parts.join(', ');
    shown.set(key, (shown.get(key) ?? 0) + 1);
  }
  const seen = [...shown].map(([k, n]) => `${k} ×${n}`).join('; ');
  return `${describeOutcomes(list)}${seen ? `; the app was shown ${seen}` : ''}`;
}

/** A request the mesh must refuse with this status (401: its token is invalid; 403: denied) before the app. */
function refusedBeforeApp(status: 401 | 403, label: string, bearer: BearerToken | undefined): RequestCase {
  return {
    label,
    plan: tokenPlan(bearer),
    want: `${status}, never at the app`,
    ok: (o) => o.outcome === 'response' && o.status === status && o.serverAttempts === 0,
    describe: describeTokenSeen,
  };
}

/** A request with a token the mesh must refuse with 401 before the app. */
export const refusedToken = (label: string, bearer: BearerToken): RequestCase =>
  refusedBeforeApp(401, label, bearer);

/** A request the mesh must deny with 403 (its token, if any, valid) before the app. */
export const forbiddenToken = (label: string, bearer: BearerToken | undefined): RequestCase =>
  refusedBeforeApp(403, label, bearer);

/** A request the app must serve; with a valid token, shown its subject and not the token itself. */
export function admittedToken(label: string, bearer: BearerToken | undefined): RequestCase {
  return {
    label,
    plan: tokenPlan(bearer),
    want: bearer
      ? `2xx, the app shown ${subjectHeader}: ${bearer.subject} and not the token`
      : `2xx, the app shown no ${subjectHeader}`,
    ok: (o) =>
      servedByApp(o) &&
      o.appHeaders?.[subjectHeader] === bearer?.subject &&
      o.appHeaders?.authorization === undefined,
    describe: describeTokenSeen,
  };
}

/** The RequestAuthentication is in force once an expired token is refused. */
export const expiredTokenRefusedProbe: Convergence = {
  plan: tokenPlan({ subject: 'alice', expiresInS: -600 }, 1),
  confirmed: (o) => o.outcome === 'response' && o.status === 401,
};

/** A JWT access policy is in force once a request without a token is denied. */
export const noTokenForbiddenProbe: Convergence = {
  plan: tokenPlan(undefined, 1),
  confirmed: (o) => o.outcome === 'response' && o.status === 403,
};

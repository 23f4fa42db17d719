import type { Convergence, HttpRouteIntent, RouteRule, Version } from '../model/index.ts';
import { noRetries } from '../model/index.ts';

/** Header of convergence probes; a route rule matching it sends probes to a known version. */
export const probeHeader = 'x-meshproof-probe';

/**
 * A route for `server` whose first rule sends probe requests to `probeVersion`. A route is
 * applied as one resource, so once probes land there the check's own rules are in effect too;
 * the check measures only then (the cause of most flaky weight tests elsewhere).
 */
export function probedRoute(
  rules: readonly RouteRule[],
  probeVersion: Version,
): { readonly route: HttpRouteIntent; readonly convergence: Convergence } {
  const probeRule: RouteRule = {
    matchHeaders: { [probeHeader]: 'converged' },
    backends: [{ version: probeVersion, weight: 1 }],
    retries: noRetries,
  };
  return {
    route: { kind: 'HttpRoute', service: 'server', rules: [probeRule, ...rules] },
    convergence: {
      plan: { caller: 'client', service: 'server', headers: { [probeHeader]: 'converged' }, requests: 1 },
      confirmed: (o) => o.servedBy?.version === probeVersion,
    },
  };
}

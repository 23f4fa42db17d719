import { probedRoute } from '../../lib/judges/route-probe.ts';
import type { RetryPolicy } from '../../lib/model/index.ts';

/**
 * The route of the metrics checks: `server` split evenly between v1 and v2, so that the destination
 * workload a mesh counts under matters, and a probe rule whose answer shows that the new
 * configuration (the metrics with it) is in the caller's sidecar before the first scrape.
 */
export function metricsRoute(retries?: RetryPolicy): ReturnType<typeof probedRoute> {
  return probedRoute(
    [
      {
        backends: [
          { version: 'v1', weight: 1 },
          { version: 'v2', weight: 1 },
        ],
        ...(retries ? { retries } : {}),
      },
    ],
    'v2',
  );
}

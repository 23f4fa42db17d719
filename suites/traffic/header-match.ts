import type { Observation } from '../../lib/model/index.ts';
import { countBy, defineCheck, Feature, isSuccess } from '../../lib/model/index.ts';

const versions = (list: readonly Observation[]) =>
  [
    ...countBy(list, (o) =>
      isSuccess(o) ? (o.servedBy?.version ?? 'unknown') : `status ${o.status ?? o.outcome}`,
    ),
  ]
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

/** A header match sends exactly the matching requests to the chosen version. */
export const headerMatch = defineCheck({
  id: 'traffic.routing.header-match',
  description: 'Every request carrying x-version: v2 is served by v2, and no request without it is.',
  features: [Feature.HeaderRouting],
  profile: 'core',
  intents: [
    {
      kind: 'HttpRoute',
      service: 'server',
      rules: [
        { matchHeaders: { 'x-version': 'v2' }, backends: [{ version: 'v2', weight: 1 }] },
        { backends: [{ version: 'v1', weight: 1 }] },
      ],
    },
  ],
  convergence: {
    plan: { caller: 'client', service: 'server', headers: { 'x-version': 'v2' }, requests: 1 },
    confirmed: (o) => o.servedBy?.version === 'v2',
  },
  traffic: {
    matching: { caller: 'client', service: 'server', headers: { 'x-version': 'v2' }, requests: 50 },
    other: { caller: 'client', service: 'server', requests: 50 },
  },
  judge: ({ matching, other }) => {
    const matchingOnV2 = matching.filter((o) => isSuccess(o) && o.servedBy?.version === 'v2').length;
    const otherOffV2 = other.filter(
      (o) => isSuccess(o) && o.servedBy !== undefined && o.servedBy.version !== 'v2',
    );
    return {
      status: matchingOnV2 === matching.length && otherOffV2.length === other.length ? 'PASSED' : 'FAILED',
      want: `with x-version: v2 → v2 ×${matching.length}; without → never v2 (v1 ×${other.length})`,
      got: `with x-version: v2 → ${versions(matching)}; without → ${versions(other)}`,
      evidence: {
        matchingOnV2,
        matching: matching.length,
        otherOffV2: otherOffV2.length,
        other: other.length,
      },
    };
  },
});

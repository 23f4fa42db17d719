import { caseTraffic, judgeCases, type RequestCase } from '../../lib/judges/cases.ts';
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

const withVersion = (value: string | undefined, requests: number) => ({
  caller: 'client' as const,
  service: 'server' as const,
  ...(value === undefined ? {} : { headers: { 'x-version': value } }),
  requests,
});

/** A near miss of the matched value: it must take the default route, never v2. */
const nearMiss = (value: string, what: string): RequestCase => ({
  label: `x-version: ${value} (${what})`,
  plan: withVersion(value, 20),
  want: 'v1, never v2',
  ok: (o) => isSuccess(o) && o.servedBy?.version === 'v1',
  describe: versions,
});

const cases = {
  matching: {
    label: 'x-version: v2',
    plan: withVersion('v2', 50),
    want: 'v2',
    ok: (o: Observation) => isSuccess(o) && o.servedBy?.version === 'v2',
    describe: versions,
  },
  other: {
    label: 'without x-version',
    plan: withVersion(undefined, 50),
    want: 'v1, never v2',
    ok: (o: Observation) => isSuccess(o) && o.servedBy?.version === 'v1',
    describe: versions,
  },
  longer: nearMiss('v2-beta', 'the value with more after it'),
  ending: nearMiss('canary-v2', 'a value ending in it'),
  upperCase: nearMiss('V2', 'another case'),
} satisfies Record<string, RequestCase>;

/** A header match sends exactly the matching requests to the chosen version. */
export const headerMatch = defineCheck({
  id: 'traffic.routing.header-match',
  description:
    'With a rule routing x-version: v2 (exact match) to v2 in front of a default route to v1, every request carrying exactly that value is served by v2, and none without it, nor any near miss of the value a prefix, substring or case-blind match would take: v2-beta, canary-v2 and V2 are served by v1.',
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
  traffic: caseTraffic(cases),
  judge: (observations, ctx) => judgeCases(cases, observations, ctx),
});

import { Feature, noRetries } from '../../lib/model/index.ts';
import { defineRatioCheck, ratioAlpha } from '../define-ratio-check.ts';

const percent = 50;

/** Mirroring copies the declared share of requests to a second version; the client sees only the primary. */
export const mirrorPercentage = defineRatioCheck({
  id: 'traffic.mirror.percentage',
  description: `Mirroring ${percent}% of requests from v1 to v2: the share of requests the server apps see twice is ${percent}% (±5 points, false-failure rate ${ratioAlpha}), and the client is always answered by v1.`,
  features: [Feature.Mirroring],
  profile: 'extended',
  rule: { backends: [{ version: 'v1', weight: 1 }], retries: noRetries, mirror: { version: 'v2', percent } },
  probeVersion: 'v3',
  targets: { mirrored: percent / 100 },
  categorize: (o) =>
    o.servedBy?.version !== 'v1'
      ? 'not-served-by-primary'
      : o.serverAttempts === 2
        ? 'mirrored'
        : o.serverAttempts === 1
          ? 'primary-only'
          : 'unexpected',
  // Mirrored copies are only visible at the servers.
  request: { ledger: true },
});

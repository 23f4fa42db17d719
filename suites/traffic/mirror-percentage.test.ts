import { describe, expect, it } from 'vitest';
import type { Observation } from '../../lib/model/index.ts';
import { isSampled } from '../../lib/model/index.ts';
import { mirrorPercentage } from './mirror-percentage.ts';

/**
 * No mesh on this machine can mirror (haproxy 2.6 cannot), so the judge is proven both ways on
 * observations as a mirroring mesh produces them: the client answered by v1, the ledger
 * counting each mirrored request twice.
 */
function observations(n: number, mirroredShare: number): Observation[] {
  return Array.from({ length: n }, (_, i) => ({
    requestId: `r${i}`,
    outcome: 'response',
    status: 200,
    latencyMs: 2,
    servedBy: { version: 'v1', instance: 'server-v1-0' },
    serverAttempts: i / n < mirroredShare ? 2 : 1,
  }));
}

const judge = (list: Observation[]) =>
  mirrorPercentage.judge(
    { requests: list },
    { identityOf: () => '', denialOf: () => 'forbidden', finalLook: false },
  );

describe('traffic.mirror.percentage judge', () => {
  it('samples with the ledger on, so that mirrored copies are counted at the servers', () => {
    const traffic = mirrorPercentage.traffic.requests;
    expect(traffic !== undefined && isSampled(traffic) && traffic.plan.ledger).toBe(true);
  });

  it('passes when half of the requests are seen twice and the client always gets v1', () => {
    expect(judge(observations(4000, 0.5)).status).toBe('PASSED');
  });

  it('fails when nothing is mirrored', () => {
    expect(judge(observations(4000, 0)).status).toBe('FAILED');
  });

  it('fails when everything is mirrored (percentage ignored)', () => {
    expect(judge(observations(4000, 1)).status).toBe('FAILED');
  });

  it('fails when the client is answered by the mirror', () => {
    const list = observations(4000, 0.5).map((o, i) =>
      i % 2 ? { ...o, servedBy: { version: 'v2' as const, instance: 'server-v2-0' } } : o,
    );
    expect(judge(list).status).toBe('FAILED');
  });
});

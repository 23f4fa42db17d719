import { describe, expect, it } from 'vitest';
import type { CallerName, Feature } from '../../model/index.ts';
import { allFeatures } from '../../model/index.ts';
import { linkerdIdentityOf, linkerdSupport } from './capabilities.ts';

describe('linkerdSupport', () => {
  it.each<[Feature, boolean]>([
    ['MtlsStrict', true],
    ['MtlsPermissive', true],
    ['IdentityHeader', true],
    ['AuthzByIdentity', true],
    ['AuthzByRequest', true],
    ['HeaderRouting', true],
    ['WeightedRouting', true],
    ['Retries', true],
    ['Timeouts', true],
    ['FaultAbort', true],
    ['FaultDelay', false],
    ['Mirroring', false],
    ['OutlierDetection', true],
    ['ConnectionLimits', false],
    ['RateLimit', true],
    ['PathNormalization', false],
  ])('%s → supported: %s', (feature, supported) => {
    expect(linkerdSupport[feature].supported).toBe(supported);
  });

  it('answers for every feature, and says why for each one it lacks', () => {
    for (const feature of allFeatures) {
      const support = linkerdSupport[feature];
      if (!support.supported) expect(support.reason).toMatch(/^Linkerd (has no|cannot)/);
    }
  });
});

describe('linkerdIdentityOf', () => {
  it.each<[CallerName, string]>([
    ['client', 'client.meshproof.serviceaccount.identity.linkerd.cluster.local'],
    ['frontend', 'frontend.meshproof.serviceaccount.identity.linkerd.cluster.local'],
    ['outsider', 'outsider.meshproof-outside.serviceaccount.identity.linkerd.cluster.local'],
  ])('%s → %s (the l5d-client-id the app sees)', (caller, identity) => {
    expect(linkerdIdentityOf(caller)).toBe(identity);
  });
});

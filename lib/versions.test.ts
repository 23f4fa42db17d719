import { describe, expect, it } from 'vitest';
import { pinnedValues, pinnedVersions, versionOf } from './versions.ts';

describe('pinned versions', () => {
  it('pin published releases: k6 v2 (2.3.0 does not exist), Node 24 LTS, a k3s Linkerd and Istio test on', () => {
    expect(pinnedVersions.k6Image.value).toBe('grafana/k6:2.2.0');
    expect(pinnedValues({})).toEqual({
      k3sImage: 'rancher/k3s:v1.36.3-k3s1',
      istio: '1.30.3',
      linkerd: 'edge-26.8.3',
      gatewayApi: 'v1.5.1',
      k6Image: 'grafana/k6:2.2.0',
      nodeImage: 'node:24.19.0-alpine',
    });
  });

  it('takes overrides from the environment', () => {
    expect(versionOf('k6Image', { MESHPROOF_K6_IMAGE: 'registry.corp:5000/load/k6:2.1.0' })).toBe(
      'registry.corp:5000/load/k6:2.1.0',
    );
    expect(versionOf('k6Image', { MESHPROOF_K6_IMAGE: `grafana/k6@sha256:${'a'.repeat(64)}` })).toContain(
      '@sha256:',
    );
    expect(versionOf('linkerd', { MESHPROOF_LINKERD_VERSION: 'stable-2.14.10' })).toBe('stable-2.14.10');
    expect(versionOf('istio', { MESHPROOF_ISTIO_VERSION: ' ' })).toBe('1.30.3');
  });

  it.each([
    ['istio', 'MESHPROOF_ISTIO_VERSION', '1.30.3\ntouch pwned #'],
    ['istio', 'MESHPROOF_ISTIO_VERSION', 'banana'],
    ['istio', 'MESHPROOF_ISTIO_VERSION', '1.30.3$(id)'],
    ['linkerd', 'MESHPROOF_LINKERD_VERSION', 'edge-26.8.3`id`'],
    ['gatewayApi', 'MESHPROOF_GATEWAY_API_VERSION', "v1.5.1'; rm -rf ~; '"],
    ['k6Image', 'MESHPROOF_K6_IMAGE', '::bad::'],
    ['nodeImage', 'MESHPROOF_NODE_IMAGE', 'node:24 && curl evil'],
    ['k3sImage', 'MESHPROOF_K3S_IMAGE', 'rancher/k3s:"v1.36"'],
  ] as const)('refuses %s from %s=%j with a coded error', (name, variable, value) => {
    expect(() => versionOf(name, { [variable]: value })).toThrow(
      expect.objectContaining({ code: 'MESHPROOF_BAD_ENV', message: expect.stringContaining(variable) }),
    );
  });
});

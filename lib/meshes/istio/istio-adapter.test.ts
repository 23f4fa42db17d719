import { describe, expect, it } from 'vitest';
import { registry } from '../../../suites/registry.ts';
import { allFeatures } from '../../model/index.ts';
import { istioIdentityOf, istioSupportByMode } from './capabilities.ts';
import { istioMeshAdapter } from './istio-adapter.ts';
import { renderIstio } from './render-istio.ts';

describe('istioMeshAdapter', () => {
  const adapter = istioMeshAdapter();

  it('is named istio and renders with renderIstio', () => {
    expect(adapter.name).toBe('istio');
    for (const check of registry) expect(adapter.render(check.intents)).toEqual(renderIstio(check.intents));
  });

  it('supports every feature of the model, so no check is reported NOT_SUPPORTED', () => {
    expect(allFeatures.filter((f) => !istioSupportByMode.sidecar[f].supported)).toEqual([]);
    expect(allFeatures.filter((f) => !adapter.support[f].supported)).toEqual([]);
  });

  it("shows the app each caller's SPIFFE ID, as the URI of X-Forwarded-Client-Cert", () => {
    expect(istioIdentityOf('client')).toBe('spiffe://cluster.local/ns/meshproof/sa/client');
    expect(istioIdentityOf('frontend')).toBe('spiffe://cluster.local/ns/meshproof/sa/frontend');
    expect(istioIdentityOf('outsider')).toBe('spiffe://cluster.local/ns/meshproof-outside/sa/outsider');
    expect(adapter.identityOf('client')).toBe(istioIdentityOf('client'));
  });
});

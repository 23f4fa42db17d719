import type { MeshAdapter } from '../../model/index.ts';
import { istioIdentityOf, istioSupport } from './capabilities.ts';
import { renderIstio } from './render-istio.ts';

/** The Istio mesh adapter: what Istio supports, the identities it presents, and pure rendering. */
export function istioMeshAdapter(): MeshAdapter {
  return {
    name: 'istio',
    support: istioSupport,
    identityOf: istioIdentityOf,
    render: renderIstio,
  };
}

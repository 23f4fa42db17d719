import type { MeshAdapter } from '../../model/index.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import { istioIdentityOf, istioSupport } from './capabilities.ts';
import { renderIstio } from './render-istio.ts';

/**
 * The Istio mesh adapter: what Istio supports, the identities it presents, and pure rendering,
 * placed in a run's namespaces and the mesh's trust domain (by default the local names).
 */
export function istioMeshAdapter(at: MeshPlacement = defaultPlacement): MeshAdapter {
  return {
    name: 'istio',
    support: istioSupport,
    identityOf: (caller) => istioIdentityOf(caller, at),
    render: (intents) => renderIstio(intents, at),
  };
}

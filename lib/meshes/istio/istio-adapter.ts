import type { MeshAdapter } from '../../model/index.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';
import { type IstioMode, istioIdentityOf, istioSupportByMode } from './capabilities.ts';
import { renderIstio } from './render-istio.ts';
import { renderIstioAmbient } from './render-istio-ambient.ts';
import { gatewayApiCannotRender, renderIstioGatewayApi } from './render-istio-gateway-api.ts';

/**
 * The Istio mesh adapter of a mode (sidecars with VirtualService or Gateway API routing, or
 * ambient): what Istio supports there, the identities it presents, how it refuses callers, and
 * pure rendering, placed in a run's namespaces and the mesh's trust domain (by default the local
 * names).
 */
export function istioMeshAdapter(
  at: MeshPlacement = defaultPlacement,
  mode: IstioMode = 'sidecar',
): MeshAdapter {
  return {
    name: mode === 'ambient' ? 'istio-ambient' : 'istio',
    support: istioSupportByMode[mode],
    identityOf: (caller) => istioIdentityOf(caller, at),
    // In ambient a caller outside the mesh meets only the server's ztunnel, which refuses per
    // connection; meshed callers pass the waypoint, which answers 403 like a sidecar.
    denialOf: (caller) => (mode === 'ambient' && caller === 'outsider' ? 'connection-closed' : 'forbidden'),
    cannotRender: (intents) => (mode === 'sidecar' ? undefined : gatewayApiCannotRender(intents)),
    render: (intents) =>
      mode === 'sidecar'
        ? renderIstio(intents, at)
        : mode === 'sidecar-gateway-api'
          ? renderIstioGatewayApi(intents, at)
          : renderIstioAmbient(intents, at),
  };
}

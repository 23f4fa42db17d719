import type { MeshAdapter } from '../../model/index.ts';
import { defaultLinkerdPlacement, type LinkerdPlacement } from '../mesh-placement.ts';
import { linkerdIdentityOf, linkerdSupport } from './capabilities.ts';
import { renderLinkerd } from './render-linkerd.ts';

/**
 * The Linkerd adapter: what Linkerd can express, the identity its proxies show the app
 * (`l5d-client-id`), and the pure rendering of intents into Linkerd policy resources, Gateway
 * API HTTPRoutes and annotations. Installing Linkerd, deploying the fault backends of
 * `faultBackendsNeeded` and applying the resources (in order, waiting for the policy
 * controller's Accepted status) belong to the Kubernetes platform.
 */
export function linkerdMeshAdapter(at: LinkerdPlacement = defaultLinkerdPlacement): MeshAdapter {
  return {
    name: 'linkerd',
    support: linkerdSupport,
    identityOf: (caller) => linkerdIdentityOf(caller, at),
    // The server's proxy reads HTTP, whoever calls.
    denialOf: () => 'forbidden',
    cannotRender: () => undefined,
    render: (intents) => renderLinkerd(intents, at),
  };
}

import type { MeshAdapter } from '../../model/index.ts';
import { linkerdIdentityOf, linkerdSupport } from './capabilities.ts';
import { renderLinkerd } from './render-linkerd.ts';

/**
 * The Linkerd adapter: what Linkerd can express, the identity its proxies show the app
 * (`l5d-client-id`), and the pure rendering of intents into Linkerd policy resources, Gateway
 * API HTTPRoutes and annotations. Installing Linkerd, deploying the fault backends of
 * `faultBackendsNeeded` and applying the resources (in order, waiting for the policy
 * controller's Accepted status) belong to the Kubernetes platform.
 */
export function linkerdMeshAdapter(): MeshAdapter {
  return {
    name: 'linkerd',
    support: linkerdSupport,
    identityOf: linkerdIdentityOf,
    render: renderLinkerd,
  };
}

import type { CallerName, Feature, Support } from '../../model/index.ts';
import { callerIdentity, spiffeId } from '../../model/index.ts';
import { defaultPlacement, type MeshPlacement } from '../mesh-placement.ts';

/**
 * Features Istio cannot express faithfully, with the reason a report shows. Empty: every
 * feature of the model renders to an Istio resource with the model's meaning (see
 * `render-istio.ts` for how each one maps and where Istio's defaults had to be overridden).
 */
const unsupported: Partial<Record<Feature, string>> = {};

/** What Istio (1.22 – 1.30, sidecar mode) can express, feature by feature. */
export function istioSupport(feature: Feature): Support {
  const reason = unsupported[feature];
  return reason ? { supported: false, reason } : { supported: true };
}

/**
 * The identity the server app is shown for a caller: the URI element of the
 * `X-Forwarded-Client-Cert` header Istio's sidecar sets on mTLS requests,
 * `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`.
 */
export function istioIdentityOf(caller: CallerName, at: MeshPlacement = defaultPlacement): string {
  return spiffeId(callerIdentity(caller, at.names), at.trustDomain);
}

import type { FeatureSupport, MeshMember } from '../../model/index.ts';
import { callerIdentity, notSupported, spiffeId, supported } from '../../model/index.ts';

/** What the reference mesh (haproxy 2.6 sidecars) can express, feature by feature. */
export const referenceSupport: FeatureSupport = {
  MtlsStrict: supported,
  MtlsPermissive: supported,
  IdentityHeader: supported,
  AuthzByIdentity: supported,
  AuthzByRequest: supported,
  HeaderRouting: supported,
  WeightedRouting: supported,
  Retries: supported,
  Timeouts: supported,
  FaultAbort: supported,
  FaultDelay: supported,
  JwtAuth: supported,
  EgressControl: supported,
  Mirroring: notSupported(
    'haproxy 2.6 cannot copy a request to a second backend without an external SPOE agent, so mirroring cannot be rendered faithfully',
  ),
  OutlierDetection: supported,
  ConnectionLimits: supported,
  RateLimit: supported,
  PathNormalization: supported,
  RequestAuthzOutsideMesh: supported,
  // An haproxy ingress gateway process with its own mesh identity (render-ingress-gateway.ts).
  IngressGateway: supported,
  // The sidecars' stats (telemetry-lua.ts), not haproxy's built-in exporter, which counts per class only.
  RequestMetrics: supported,
  LatencyHistogram: supported,
};

/** The reference mesh shows the app the caller's SPIFFE ID (URI of X-Forwarded-Client-Cert). */
export function referenceIdentityOf(caller: MeshMember): string {
  return spiffeId(callerIdentity(caller));
}

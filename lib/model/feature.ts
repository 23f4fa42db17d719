/**
 * Mesh features a check can require. A mesh adapter declares which it supports; a check whose
 * feature is missing is reported NOT_SUPPORTED with the feature named, never FAILED or dropped.
 */
export const Feature = {
  MtlsStrict: 'MtlsStrict',
  MtlsPermissive: 'MtlsPermissive',
  IdentityHeader: 'IdentityHeader',
  AuthzByIdentity: 'AuthzByIdentity',
  AuthzByRequest: 'AuthzByRequest',
  HeaderRouting: 'HeaderRouting',
  WeightedRouting: 'WeightedRouting',
  Retries: 'Retries',
  Timeouts: 'Timeouts',
  FaultAbort: 'FaultAbort',
  FaultDelay: 'FaultDelay',
  Mirroring: 'Mirroring',
  OutlierDetection: 'OutlierDetection',
  ConnectionLimits: 'ConnectionLimits',
  RateLimit: 'RateLimit',
  /** Authorization judges the path after RFC 3986 normalization (Istio's default `pathNormalization: BASE`). */
  PathNormalization: 'PathNormalization',
  /**
   * A proxy on the server's side reads the HTTP of callers outside the mesh: access rules on method
   * and path hold for them too, and identity headers they send are never shown to the app.
   */
  RequestAuthzOutsideMesh: 'RequestAuthzOutsideMesh',
  /**
   * End-user authentication with JWTs: the server's proxy verifies a bearer token against the
   * issuer's JWKS (signature, issuer, audience, expiry), refuses an invalid one with 401, shows the
   * app the claims it is told to, and access rules can require a principal or a claim.
   */
  JwtAuth: 'JwtAuth',
  /**
   * An ingress gateway that is a mesh member: it terminates TLS for a host with the run's
   * certificate (from the harness's CA, chosen by SNI), routes by host and path prefix to a meshed
   * service over mTLS with its own identity, redirects plain HTTP to HTTPS and refuses other hosts.
   */
  IngressGateway: 'IngressGateway',
  /**
   * The mesh's proxies count requests per reporter (caller's and server's proxy), source and
   * destination workload and response code, as counters a scrape of each proxy reads.
   */
  RequestMetrics: 'RequestMetrics',
  /** The mesh's proxies record request durations in a histogram of fixed buckets (ms). */
  LatencyHistogram: 'LatencyHistogram',
  /**
   * Registry-only egress: a meshed caller reaches an external host the mesh was told about (on its
   * port, by its name) and is refused for every other destination, as the mesh documents it.
   */
  EgressControl: 'EgressControl',
} as const;

export type Feature = (typeof Feature)[keyof typeof Feature];

/** All features, in declaration order (for capability matrices). */
export const allFeatures: readonly Feature[] = Object.values(Feature);

/** Core checks must pass on every conformant mesh; extended ones cover optional features. */
export type Profile = 'core' | 'extended';

import type { ExternalAddress, ExternalDestination, ServiceName, Version } from '../../model/index.ts';

/** Where one sidecar listens, whom it fronts and which certificate it presents. */
export interface SidecarWiring {
  /** `client`, `frontend`, `server-v1`, ... */
  readonly name: string;
  /** SPIFFE ID the sidecar's certificate carries. */
  readonly identity: string;
  /** PEM file with certificate and private key. */
  readonly certFile: string;
  /** Caller sidecars: where the caller sends its outbound requests (Host names the service). */
  readonly outboundPort?: number;
  /**
   * Caller sidecars: where the caller's connections to destinations outside the mesh arrive, each
   * opened with a PROXY protocol header naming the address the app dialled (what iptables'
   * original destination gives Istio's outbound listener on a cluster).
   */
  readonly egressPort?: number;
  /** Server sidecars: where other workloads reach this one, and where its app listens. */
  readonly inbound?: { readonly port: number; readonly appPort: number };
  /** Where the sidecar serves its request metrics once a RequestTelemetry intent is in force. */
  readonly metricsPort?: number;
  /** The ingress gateway (a proxy of its own, not beside an app): its listeners and host certificates. */
  readonly ingress?: IngressGatewayWiring;
}

/**
 * Where the reference ingress gateway listens and the certificates it can present, each a PEM
 * file with its key: the host's (harness CA), and those a defective gateway serves instead.
 */
export interface IngressGatewayWiring {
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly certificates: {
    /** The ingress host's certificate from the harness's CA: what a conformant gateway serves. */
    readonly host: string;
    /** Another host's certificate from the same CA. */
    readonly otherHost: string;
    /** The ingress host's name, signed by a CA clients do not trust. */
    readonly foreignCa: string;
    /** The ingress host's certificate from the harness's CA, expired. */
    readonly expired: string;
  };
}

/** One endpoint of a service: a server sidecar's inbound listener. */
export interface ServiceEndpoint {
  readonly version: Version;
  readonly sidecar: string;
  readonly port: number;
}

/**
 * Addresses and files of one running reference mesh: the input, besides intents and defects,
 * of the pure configuration renderer.
 */
export interface ReferenceWiring {
  /** Unique per run: abstract socket names must not clash between concurrent runs. */
  readonly runId: string;
  readonly caFile: string;
  readonly luaFile: string;
  readonly sidecars: readonly SidecarWiring[];
  readonly services: Readonly<Record<ServiceName, readonly ServiceEndpoint[]>>;
  /**
   * The RSA keys of the end-user issuer's JWKS, one SPKI PEM file each, as the reference control
   * plane fetched them from the `jwks` fixture (haproxy's `jwt_verify` reads keys from files).
   */
  readonly jwtKeyFiles?: readonly string[];
  /** Where the fixtures outside the mesh's registry listen (egress checks). */
  readonly external?: Readonly<Record<ExternalDestination, ExternalAddress>>;
  /** Per-request access logs of every sidecar; on unless false (benchmarks turn them off, as Istio ships). */
  readonly accessLog?: boolean;
}

import type { CallerName, ServiceName, Version } from '../../model/index.ts';
import { callerIdentity, meshNamespace, outsideNamespace } from '../../model/index.ts';

/**
 * How the fixture topology is named on Kubernetes: a contract between the fixtures the
 * platform deploys and the resources every mesh adapter renders.
 */
export const kube = {
  meshNamespace,
  outsideNamespace,
  /** Label on every namespace a run creates; cleanup deletes exactly the namespaces carrying it. */
  runLabel: 'meshproof.dev/run',
  appLabel: 'app',
  versionLabel: 'version',
  /** Service port (named `http`, so that meshes detect HTTP) and the echo container's port. */
  servicePort: 80,
  servicePortName: 'http',
  containerPort: 8080,
  /** Service account of every server version. */
  serverServiceAccount: 'server',
} as const;

/** The Service selecting every version of a service (app=server). */
export function serviceName(service: ServiceName): string {
  return service;
}

/** The Service selecting one version (app=server, version=vN): `server-v1`. */
export function versionServiceName(service: ServiceName, version: Version): string {
  return `${service}-${version}`;
}

/** The Deployment of one server version: `server-v1`. */
export function deploymentName(service: ServiceName, version: Version): string {
  return `${service}-${version}`;
}

/** Fully qualified host of a Service in the mesh namespace. */
export function serviceHost(name: string): string {
  return `${name}.${kube.meshNamespace}.svc.cluster.local`;
}

/** Namespace and service account a caller runs as (its pod is named after it). */
export function callerAccount(caller: CallerName): {
  readonly namespace: string;
  readonly serviceAccount: string;
} {
  return callerIdentity(caller);
}

import type { CallerName, ServiceName, TopologyNames, Version } from '../../model/index.ts';
import { callerIdentity } from '../../model/index.ts';

/**
 * How the fixture topology is named on Kubernetes: a contract between the fixtures the
 * platform deploys and the resources every mesh adapter renders. The namespaces are not here:
 * they are a runtime value of each run (`clusterNames`).
 */
export const kube = {
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

/** A run id as a DNS label fragment: lowercase letters, digits and dashes, at most 40 characters. */
export function runToken(runId: string): string {
  const token = runId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  if (token.length === 0) throw new Error(`run id ${JSON.stringify(runId)} has no DNS-safe characters`);
  return token;
}

/**
 * The namespaces of one run on a cluster: `meshproof-<run>` and `meshproof-outside-<run>`, so that
 * a namespace of another run, or one the user owns, is never adopted (they are created only when
 * absent, and deleted only when this run created them).
 */
export function clusterNames(runId: string): TopologyNames {
  const token = runToken(runId);
  return { meshNamespace: `meshproof-${token}`, outsideNamespace: `meshproof-outside-${token}` };
}

/** The Service selecting every version (app=server): `server`. */
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

/** Fully qualified host of a Service in the run's mesh namespace. */
export function serviceHost(name: string, names: TopologyNames): string {
  return `${name}.${names.meshNamespace}.svc.cluster.local`;
}

/** Namespace and service account a caller runs as (its pod is named after it). */
export function callerAccount(
  caller: CallerName,
  names: TopologyNames,
): { readonly namespace: string; readonly serviceAccount: string } {
  return callerIdentity(caller, names);
}

/** The folder of a run's work directory (0700) that holds its kubeconfig (0600) and the CLIs' files. */
export const kubeDirName = 'kube';

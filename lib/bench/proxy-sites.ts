/**
 * Which proxies a benchmark window reads, from the data plane of its path (pure): plan mode writes
 * these reads and the live run resolves the same sites to pods, so the two cannot drift.
 */
import { MeshproofError } from '../errors/meshproof-error.ts';
import type { DataPlane, SharedProxy } from '../meshes/data-plane.ts';
import type { ProxyRole } from './bench-types.ts';
import type { ResourceUsage } from './proc-stats.ts';

/** The two ends of a measured path. */
export type PathEnd = 'client' | 'server';

/** Where one proxy of a path runs, before its pod is known. */
export type ProxySite =
  | {
      readonly kind: 'sidecar';
      readonly role: Extract<ProxyRole, 'client-sidecar' | 'server-sidecar'>;
      readonly end: PathEnd;
      readonly container: string;
    }
  | {
      /** A per-node proxy: the one on the node of `end`'s pod carries that end. */
      readonly kind: 'node-proxy';
      readonly role: Extract<ProxyRole, 'client-ztunnel' | 'server-ztunnel'>;
      readonly end: PathEnd;
      readonly proxy: SharedProxy;
    }
  | { readonly kind: 'l7-proxy'; readonly role: Extract<ProxyRole, 'waypoint'>; readonly proxy: SharedProxy };

/**
 * The proxies on a path: none on the baseline; the caller's and the server's sidecar; or the
 * ztunnel of the caller's node (outbound) and of the server's node (inbound), and the waypoint
 * where the path has one. istio-cni hands each pod to the ztunnel of its own node, which serves
 * the pod's outbound and inbound ports inside the pod's network namespace (istio/istio 1.30.3
 * cni/pkg/nodeagent/informers.go; istio/ztunnel 1.30.3 ARCHITECTURE.md "Ports").
 */
export function proxySites(plane: DataPlane): ProxySite[] {
  switch (plane.kind) {
    case 'none':
      return [];
    case 'sidecars':
      return [
        { kind: 'sidecar', role: 'client-sidecar', end: 'client', container: plane.container },
        { kind: 'sidecar', role: 'server-sidecar', end: 'server', container: plane.container },
      ];
    case 'ambient':
      return [
        { kind: 'node-proxy', role: 'client-ztunnel', end: 'client', proxy: plane.ztunnel },
        { kind: 'node-proxy', role: 'server-ztunnel', end: 'server', proxy: plane.ztunnel },
        ...(plane.waypoint
          ? [{ kind: 'l7-proxy' as const, role: 'waypoint' as const, proxy: plane.waypoint }]
          : []),
      ];
  }
}

/** The proxies' pods a window reads outside the ends' namespaces (ztunnel's namespace), in order, once each. */
export function sharedProxies(sites: readonly ProxySite[]): SharedProxy[] {
  const seen = new Map<string, SharedProxy>();
  for (const site of sites) {
    if (site.kind !== 'sidecar') seen.set(sharedProxyKey(site.proxy), site.proxy);
  }
  return [...seen.values()];
}

/** Identifies a shared proxy's pods: namespace and selector. */
export function sharedProxyKey(proxy: SharedProxy): string {
  return `${proxy.namespace}/${proxy.podSelector}`;
}

/** A site in words, as plan mode and the report name it. */
export function describeSite(site: ProxySite, serverLabel: string): string {
  const endLabel = (end: PathEnd) => (end === 'client' ? 'client' : serverLabel);
  switch (site.kind) {
    case 'sidecar':
      return `${site.container} (${endLabel(site.end)})`;
    case 'node-proxy':
      return `ztunnel's ${site.proxy.container} on ${endLabel(site.end)}'s node (${site.proxy.namespace}, ${site.proxy.podSelector})`;
    case 'l7-proxy':
      return `the waypoint's ${site.proxy.container} (${site.proxy.namespace}, ${site.proxy.podSelector})`;
  }
}

/** A pod as the live run found it. */
export interface FoundPod {
  readonly name: string;
  /** `spec.nodeName`; undefined while unscheduled. */
  readonly node: string | undefined;
}

/** What the live run found on the cluster: the ends' pods, and the serving pods of each shared proxy. */
export interface FoundPods {
  readonly ends: Readonly<Record<PathEnd, FoundPod & { readonly namespace: string; readonly label: string }>>;
  /** By `sharedProxyKey`. */
  readonly shared: ReadonlyMap<string, readonly FoundPod[]>;
}

/** A proxy of a path, resolved to the pods whose container is it (several for a scaled waypoint). */
export interface ProxyPods {
  readonly role: ProxyRole;
  readonly name: string;
  readonly namespace: string;
  readonly pods: readonly string[];
  readonly container: string;
}

const refused = (message: string) => new MeshproofError('MESHPROOF_PREFLIGHT_FAILED', message);

/**
 * The pods each site is (pure). A per-node proxy must have exactly one serving pod on its end's
 * node (a DaemonSet has one per node; none means that end is not carried by it, two a rollout in
 * progress); when both ends are on one node their ztunnel is one pod, read once as `ztunnel`.
 * Each refusal is a coded line saying what was found.
 */
export function resolveProxyPods(sites: readonly ProxySite[], found: FoundPods): ProxyPods[] {
  const resolved: ProxyPods[] = [];
  for (const site of sites) {
    if (site.kind === 'sidecar') {
      const end = found.ends[site.end];
      resolved.push({
        role: site.role,
        name: `${site.container} (${end.label})`,
        namespace: end.namespace,
        pods: [end.name],
        container: site.container,
      });
      continue;
    }
    const candidates = found.shared.get(sharedProxyKey(site.proxy)) ?? [];
    const where = `${site.proxy.namespace} (${site.proxy.podSelector})`;
    if (site.kind === 'l7-proxy') {
      if (candidates.length === 0) {
        throw refused(
          `no serving waypoint pod in ${where}: the L7 path would not be measured; see kubectl get pods -n ${site.proxy.namespace} -l ${site.proxy.podSelector}`,
        );
      }
      resolved.push({
        role: site.role,
        name: `waypoint ${candidates.map((p) => p.name).join(', ')}`,
        namespace: site.proxy.namespace,
        pods: candidates.map((p) => p.name),
        container: site.proxy.container,
      });
      continue;
    }
    const end = found.ends[site.end];
    if (end.node === undefined) {
      throw refused(
        `${end.namespace}/${end.name} is not scheduled on a node: no ztunnel can be chosen for it`,
      );
    }
    const onNode = candidates.filter((p) => p.node === end.node);
    if (onNode.length !== 1) {
      const seen = candidates.map((p) => `${p.name} on ${p.node ?? 'no node'}`).join(', ') || 'none';
      throw refused(
        `${onNode.length === 0 ? 'no serving ztunnel pod' : `${onNode.length} serving ztunnel pods`} in ${where} on node ${end.node}, where ${end.label}'s pod ${end.name} runs (found: ${seen}): the ${site.end === 'client' ? 'outbound' : 'inbound'} side of the path is carried by that node's ztunnel alone`,
      );
    }
    const [pod] = onNode as [FoundPod];
    resolved.push({
      role: site.role,
      name: `ztunnel ${pod.name} (${end.label}'s node ${end.node})`,
      namespace: site.proxy.namespace,
      pods: [pod.name],
      container: site.proxy.container,
    });
  }
  const client = resolved.find((p) => p.role === 'client-ztunnel');
  const server = resolved.find((p) => p.role === 'server-ztunnel');
  if (!client || !server || client.pods[0] !== server.pods[0]) return resolved;
  // One node carries both ends: one pod, read once (counting it twice would double its cost).
  const node = found.ends.client.node;
  return resolved.flatMap((p) =>
    p === server
      ? []
      : p === client
        ? [
            {
              ...p,
              role: 'ztunnel' as const,
              name: `ztunnel ${p.pods[0]} (node ${node}: both the client's and ${found.ends.server.label}'s)`,
            },
          ]
        : [p],
  );
}

/**
 * The usage of a proxy made of several pods: averages add up (they ran at the same time), and so
 * do maxima, which makes the maximum an upper bound. One pod's usage is returned as it is.
 */
export function sumUsage(usages: readonly (ResourceUsage | null)[]): ResourceUsage | null {
  const present = usages.filter((u): u is ResourceUsage => u !== null);
  if (present.length === 0 || present.length < usages.length) return null;
  if (present.length === 1) return present[0] ?? null;
  const add = (pick: (u: ResourceUsage) => number) => present.reduce((sum, u) => sum + pick(u), 0);
  return {
    cpuMillicores: { avg: add((u) => u.cpuMillicores.avg), max: add((u) => u.cpuMillicores.max) },
    memoryMiB: { avg: add((u) => u.memoryMiB.avg), max: add((u) => u.memoryMiB.max) },
    samples: Math.min(...present.map((u) => u.samples)),
  };
}

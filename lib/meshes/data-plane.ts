/**
 * What carries a request between two workloads (issue 13 item 6, issue 18): not always "a sidecar
 * container next to each pod". The benchmark reads the CPU and memory of exactly these proxies,
 * and plan mode writes the same reads, so both follow this one description.
 */
import type { MeshName } from '../model/index.ts';

/** A proxy that runs in pods of its own (not next to a workload): found by namespace and labels. */
export interface SharedProxy {
  readonly namespace: string;
  /** A label selector (`key=value`) of its pods. */
  readonly podSelector: string;
  /** The container of those pods that is the proxy (metrics are read per container). */
  readonly container: string;
}

/**
 * The data plane of one path:
 * - `none`: no proxy at all (the benchmark's baseline);
 * - `sidecars`: one proxy container in each meshed pod, the caller's and the server's (Istio
 *   sidecar mode, Linkerd, the reference mesh's haproxy);
 * - `ambient`: a per-node proxy (Istio's ztunnel DaemonSet) on the caller's node and on the
 *   server's node, plus, where L7 is on, a per-namespace or per-service L7 proxy (the waypoint
 *   Deployment istiod creates for a Gateway of class `istio-waypoint`); `waypoint: null` is the
 *   L4-only path (a Service labelled `istio.io/use-waypoint: none`).
 */
export type DataPlane =
  | { readonly kind: 'none' }
  | { readonly kind: 'sidecars'; readonly container: string }
  | { readonly kind: 'ambient'; readonly ztunnel: SharedProxy; readonly waypoint: SharedProxy | null };

/** How each mesh carries meshed traffic (a Record: a new mesh fails to compile until it says). */
export const dataPlaneKindOf: Readonly<Record<MeshName, Exclude<DataPlane['kind'], 'none'>>> = {
  reference: 'sidecars',
  istio: 'sidecars',
  'istio-ambient': 'ambient',
  linkerd: 'sidecars',
};

/** The container a mesh injects next to each workload, or undefined where it injects none. */
export function sidecarContainerOf(plane: DataPlane): string | undefined {
  return plane.kind === 'sidecars' ? plane.container : undefined;
}

/**
 * Istio ambient's data plane (istio/istio 1.30.3): ztunnel is DaemonSet `ztunnel` in the install
 * namespace, pods labelled `app=ztunnel`, container `istio-proxy`
 * (manifests/charts/ztunnel/templates/daemonset.yaml; operator/pkg/component/component.go);
 * the waypoint's pods carry `gateway.networking.k8s.io/gateway-name=<gateway>` and run container
 * `istio-proxy` in the Gateway's namespace
 * (manifests/charts/istio-control/istio-discovery/files/waypoint.yaml).
 */
export function istioAmbientDataPlane(input: {
  readonly ztunnelNamespace: string;
  readonly waypoint: { readonly namespace: string; readonly gateway: string } | null;
}): Extract<DataPlane, { kind: 'ambient' }> {
  return {
    kind: 'ambient',
    ztunnel: { namespace: input.ztunnelNamespace, podSelector: 'app=ztunnel', container: 'istio-proxy' },
    waypoint: input.waypoint
      ? {
          namespace: input.waypoint.namespace,
          podSelector: `gateway.networking.k8s.io/gateway-name=${input.waypoint.gateway}`,
          container: 'istio-proxy',
        }
      : null,
  };
}

/** The same data plane without its L7 proxy: what a Service that opts out of the waypoint is carried by. */
export function withoutWaypoint(plane: DataPlane): DataPlane {
  return plane.kind === 'ambient' ? { ...plane, waypoint: null } : plane;
}

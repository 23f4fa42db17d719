import type { TopologyNames } from '../model/index.ts';
import { localNames } from '../model/index.ts';

/**
 * Where a mesh adapter renders to and which identities it names: the run's namespaces and the
 * mesh's trust domain. On clusters both are runtime values (namespaces carry the run id, the trust
 * domain is read from the mesh's own configuration); locally and in golden files they are fixed.
 */
export interface MeshPlacement {
  readonly names: TopologyNames;
  readonly trustDomain: string;
}

/** Linkerd identities also name the control plane's namespace (`…serviceaccount.identity.<ns>.<domain>`). */
export interface LinkerdPlacement extends MeshPlacement {
  readonly controlPlaneNamespace: string;
}

/** The trust domain both meshes default to (Istio `meshConfig.trustDomain`, Linkerd `clusterDomain`). */
export const defaultTrustDomain = 'cluster.local';

/** The local names and the default trust domain: golden files, the capability matrix, plan mode. */
export const defaultPlacement: MeshPlacement = { names: localNames, trustDomain: defaultTrustDomain };

/** Linkerd's default control plane namespace (`linkerd install`). */
export const defaultLinkerdPlacement: LinkerdPlacement = {
  ...defaultPlacement,
  controlPlaneNamespace: 'linkerd',
};

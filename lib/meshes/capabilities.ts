import type { FeatureSupport, MeshName, Routing } from '../model/index.ts';
import { allFeatures, type Feature } from '../model/index.ts';
import { istioSupportByMode } from './istio/capabilities.ts';
import { linkerdSupport } from './linkerd/capabilities.ts';
import { referenceSupport } from './reference/capabilities.ts';

/**
 * A column of the capability matrix: a mesh in one of the ways meshproof drives it. Istio has
 * three: sidecars routed with VirtualServices (`istio`), sidecars routed with Gateway API
 * HTTPRoutes (`istio/gateway-api`, `--routing gateway-api`), and ambient (`istio-ambient`).
 */
export type MeshMode = 'reference' | 'istio' | 'istio/gateway-api' | 'istio-ambient' | 'linkerd';

/** Every mode, in the matrix's column order. */
export const meshModes: readonly MeshMode[] = [
  'reference',
  'istio',
  'istio/gateway-api',
  'istio-ambient',
  'linkerd',
];

/** The mode a run drives: the mesh, and for Istio sidecars how routes are given. */
export function modeOf(mesh: MeshName, routing: Routing = 'virtual-service'): MeshMode {
  return mesh === 'istio' && routing === 'gateway-api' ? 'istio/gateway-api' : mesh;
}

/** What each mode declares, feature by feature (without starting anything). */
export const supportByMode: Readonly<Record<MeshMode, FeatureSupport>> = {
  reference: referenceSupport,
  istio: istioSupportByMode.sidecar,
  'istio/gateway-api': istioSupportByMode['sidecar-gateway-api'],
  'istio-ambient': istioSupportByMode.ambient,
  linkerd: linkerdSupport,
};

/** One row of a capability matrix. */
export interface Capability {
  readonly feature: Feature;
  readonly supported: boolean;
  readonly reason?: string;
}

/** What a mesh (in a mode) supports, feature by feature. */
export function meshCapabilities(mode: MeshMode): Capability[] {
  return allFeatures.map((feature) => {
    const support = supportByMode[mode][feature];
    return support.supported
      ? { feature, supported: true }
      : { feature, supported: false, reason: support.reason };
  });
}

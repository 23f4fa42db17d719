import type { MeshName, Support } from '../model/index.ts';
import { allFeatures, type Feature } from '../model/index.ts';
import { istioSupport } from './istio/capabilities.ts';
import { linkerdSupport } from './linkerd/capabilities.ts';
import { referenceSupport } from './reference/capabilities.ts';

const supportByMesh: Record<MeshName, (feature: Feature) => Support> = {
  reference: referenceSupport,
  istio: istioSupport,
  linkerd: linkerdSupport,
};

/** Whether a mesh supports a feature, and why not (without starting anything). */
export function meshSupport(mesh: MeshName, feature: Feature): Support {
  return supportByMesh[mesh](feature);
}

/** One row of a capability matrix. */
export interface Capability {
  readonly feature: Feature;
  readonly supported: boolean;
  readonly reason?: string;
}

/** What a mesh supports, feature by feature. */
export function meshCapabilities(mesh: MeshName): Capability[] {
  return allFeatures.map((feature) => {
    const support = meshSupport(mesh, feature);
    return support.supported
      ? { feature, supported: true }
      : { feature, supported: false, reason: support.reason };
  });
}

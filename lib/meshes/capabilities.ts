import type { MeshName, Support } from '../model/index.ts';
import { allFeatures, type Feature } from '../model/index.ts';
import { referenceSupport } from './reference/capabilities.ts';

const notYetAvailable =
  (mesh: string): ((feature: Feature) => Support) =>
  () => ({
    supported: false,
    reason: `the ${mesh} adapter is not available in this version of meshproof`,
  });

const supportByMesh: Record<MeshName, (feature: Feature) => Support> = {
  reference: referenceSupport,
  istio: notYetAvailable('istio'),
  linkerd: notYetAvailable('linkerd'),
};

/** One row of a capability matrix. */
export interface Capability {
  readonly feature: Feature;
  readonly supported: boolean;
  readonly reason?: string;
}

/** What a mesh supports, feature by feature, without starting anything. */
export function meshCapabilities(mesh: MeshName): Capability[] {
  return allFeatures.map((feature) => {
    const support = supportByMesh[mesh](feature);
    return support.supported
      ? { feature, supported: true }
      : { feature, supported: false, reason: support.reason };
  });
}

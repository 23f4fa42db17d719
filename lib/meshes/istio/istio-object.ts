import type { MeshPlacement } from '../mesh-placement.ts';

/*
 * The shape of every Istio object meshproof renders, apart from the renderers, so that the
 * renderer of each kind can use it without importing the others (no cycle between them).
 */

const managedBy = { 'app.kubernetes.io/managed-by': 'meshproof' } as const;

/** A Kubernetes object as rendered: type meta, metadata, spec. */
export interface IstioObject<Spec> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly spec: Spec;
}

/** Metadata of an object meshproof renders: its name, the meshed namespace, the managed-by label. */
export function metadata(name: string, at: MeshPlacement): IstioObject<unknown>['metadata'] {
  return { name, namespace: at.names.meshNamespace, labels: { ...managedBy } };
}

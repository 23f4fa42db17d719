import type { LocalEnvironment } from '../environments/local-environment.ts';
import type { ReferenceDefect } from '../meshes/reference/defects.ts';
import { referenceMeshAdapter } from '../meshes/reference/reference-mesh.ts';

/**
 * The conformant installation of the reference mesh carrying defects of its renderer: the same
 * processes, certificates and wiring, with every check's configuration rendered with the
 * defects. It sees what an installation with the defects would show a check: such a defect
 * changes only what the mesh renders (`suites/conformance.test.ts` requires every defect without
 * `unrenderedEffect` to install the same files as the conformant mesh); every check applies the
 * complete configuration of every sidecar before it sends a request, and a reload returns only
 * once the former worker is gone, so the configuration between checks (the conformant baseline
 * here, the defective one on a fresh installation) is never what a check's traffic meets.
 */
export function withRenderedDefects(
  conformant: LocalEnvironment,
  defects: ReadonlySet<ReferenceDefect>,
): LocalEnvironment {
  return {
    ...conformant,
    mesh: referenceMeshAdapter(conformant.local.wiring, defects),
    // The installation outlives the view: the gate stops it after the last defect.
    [Symbol.asyncDispose]: async () => undefined,
  };
}

/**
 * The plan's resources validated against the meshes' real CRD schemas (istio 1.30.3, linkerd
 * edge-26.8.3), read from the steering folder `../shared/crds/` only here: the project itself never
 * reads it. Without that folder (a clone elsewhere) the test is skipped, saying so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../suites/registry.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { clusterTimeouts } from '../model/index.ts';
import { requiredCrds } from '../platforms/kubernetes/cluster-steps.ts';
import { buildPlan } from './build-plan.ts';

const crdRoot = new URL('../../../shared/crds/', import.meta.url).pathname;
const crdDirs = { istio: 'istio-1.30.3', linkerd: 'linkerd-edge-26.8.3' } as const;
const present = existsSync(crdRoot);
if (!present)
  console.warn(
    `skipping the plan's CRD validation: ${crdRoot} is not here (it is the steering folder's copy of the meshes' CRDs)`,
  );

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: object } }[];
  };
}

function crdsOf(mesh: keyof typeof crdDirs): Crd[] {
  const dir = join(crdRoot, crdDirs[mesh]);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as Crd | null),
    )
    .filter((c): c is Crd => c?.spec?.names?.kind !== undefined);
}

describe.skipIf(!present).each(['istio', 'linkerd'] as const)('the %s plan against the real CRDs', (mesh) => {
  const files = buildPlan({
    mesh: clusterMeshFor(mesh),
    checks: registry,
    echoFiles: {},
    k6Files: {},
    images: { k3s: 'rancher/k3s:v1.36.3-k3s1', node: 'node:24.19.0-alpine', k6: 'grafana/k6:2.2.0' },
    timeouts: clusterTimeouts,
  });
  const objects = Object.entries(files)
    .filter(([name]) => name.endsWith('.yaml'))
    .flatMap(([name, content]) =>
      parseAllDocuments(content).map((d) => ({
        file: name,
        object: d.toJSON() as { apiVersion: string; kind: string },
      })),
    )
    .filter(({ object }) => object?.apiVersion?.includes('.'));
  const crds = present ? crdsOf(mesh) : [];
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

  it('renders only kinds and versions the CRDs serve, and every object validates against its schema', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const { file, object } of objects) {
      const [group, version] = object.apiVersion.split('/');
      const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === object.kind);
      expect(crd, `${file}: ${object.apiVersion} ${object.kind}`).toBeDefined();
      const served = crd?.spec.versions.find((v) => v.name === version && v.served);
      expect(served, `${file}: ${object.apiVersion} ${object.kind} served`).toBeDefined();
      const validate = ajv.compile(served?.schema?.openAPIV3Schema ?? {});
      expect(validate(object), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('names the CRDs the live preflight reads as the CRDs name themselves', () => {
    const wanted = requiredCrds(objects.map((o) => o.object as never));
    for (const crd of wanted)
      expect(
        crds.map((c) => c.metadata.name),
        crd.name,
      ).toContain(crd.name);
  });
});

/**
 * The plan's resources validated against the meshes' real CRD schemas (istio 1.30.3, linkerd
 * edge-26.8.3), read from the steering folder `../shared/crds/` only here: the project itself never
 * reads it. Without that folder (a clone elsewhere) the test is skipped, saying so.
 *
 * Istio's Gateway API modes (`--routing gateway-api`, `istio-ambient`) also render Gateway API
 * objects (HTTPRoute, the waypoint Gateway); those are validated against the CRDs the run
 * installs, kubernetes-sigs/gateway-api v1.5.1 experimental channel, read from
 * `../shared/crds/gateway-api-v1.5.1-experimental/` or the folder `MESHPROOF_GATEWAY_API_CRDS`
 * names (`config/crd/experimental/` of that tag); without either, those objects are skipped,
 * saying so, and the @kubernetes-models schemas of render-istio-modes.test.ts still apply.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../suites/registry.ts';
import { requiredCrds } from '../environments/cluster-steps.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { clusterTimeouts } from '../model/index.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { buildPlan, unsupportedReasons } from './build-plan.ts';

const crdRoot = new URL('../../../shared/crds/', import.meta.url).pathname;
const crdDirs = { istio: 'istio-1.30.3', linkerd: 'linkerd-edge-26.8.3' } as const;
const present = existsSync(crdRoot);
if (!present)
  console.warn(
    `skipping the plan's CRD validation: ${crdRoot} is not here (it is the steering folder's copy of the meshes' CRDs)`,
  );
const gatewayApiDir = [
  process.env.MESHPROOF_GATEWAY_API_CRDS,
  join(crdRoot, 'gateway-api-v1.5.1-experimental'),
].find((dir): dir is string => dir !== undefined && dir !== '' && existsSync(dir));
if (!gatewayApiDir)
  console.warn(
    "skipping the Gateway API objects of Istio's Gateway API plans: no Gateway API v1.5.1 experimental CRDs (set MESHPROOF_GATEWAY_API_CRDS to config/crd/experimental of that tag)",
  );

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: object } }[];
  };
}

function crdsIn(dir: string): Crd[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJSON() as Crd | null),
    )
    .filter((c): c is Crd => c?.spec?.names?.kind !== undefined);
}

const plans = [
  { name: 'istio', mesh: 'istio', crds: 'istio' },
  { name: 'istio --routing gateway-api', mesh: 'istio', routing: 'gateway-api', crds: 'istio' },
  { name: 'istio-ambient', mesh: 'istio-ambient', crds: 'istio' },
  { name: 'linkerd', mesh: 'linkerd', crds: 'linkerd' },
] as const;

const planContext = { runId: 'plan', clusterCreatedByRun: true, workDir: '.' } as const;

const crdsOf = (plan: (typeof plans)[number]): Crd[] => [
  ...crdsIn(join(crdRoot, crdDirs[plan.crds])),
  ...(plan.crds === 'istio' && gatewayApiDir ? crdsIn(gatewayApiDir) : []),
];

describe.skipIf(!present).each(plans)('the $name plan against the real CRDs', (plan) => {
  const mesh = plan.mesh;
  const files = buildPlan({
    mesh: clusterMeshFor(mesh, 'routing' in plan ? plan.routing : undefined),
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
    .filter(({ object }) => object?.apiVersion?.includes('.'))
    // Istio's own CRDs have no Gateway API kinds: those wait for the Gateway API CRDs.
    .filter(
      ({ object }) =>
        plan.crds !== 'istio' ||
        gatewayApiDir !== undefined ||
        !object.apiVersion.startsWith('gateway.networking.k8s.io/'),
    );
  const crds = present ? crdsOf(plan) : [];
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const clusterMesh = clusterMeshFor(mesh, 'routing' in plan ? plan.routing : undefined);
  // Checks the mesh supports and renders that the cluster path cannot drive yet (the impostors'
  // forged certificates, the proxies' metrics): the plan leaves them out, but their resources must
  // be right all the same.
  const heldBackByTraffic = registry.filter((check) => {
    const reasons = unsupportedReasons(check, clusterMesh);
    return (
      reasons.length > 0 &&
      reasons.every((r) => r.startsWith('traffic on clusters:') || r.startsWith('metrics on clusters:'))
    );
  });

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

  it('renders the checks held back only by their traffic to objects the CRDs validate', () => {
    const adapter = clusterMesh.adapter(clusterMesh.expected(planContext), clusterNames(planContext.runId));
    for (const check of heldBackByTraffic) {
      for (const resource of adapter.render(check.intents)) {
        if (resource.format !== 'yaml') continue;
        for (const doc of parseAllDocuments(resource.content)) {
          const object = doc.toJSON() as { apiVersion: string; kind: string };
          if (!object?.apiVersion?.includes('.')) continue;
          // As above: Gateway API kinds wait for the Gateway API CRDs.
          if (
            plan.crds === 'istio' &&
            !gatewayApiDir &&
            object.apiVersion.startsWith('gateway.networking.k8s.io/')
          )
            continue;
          const [group, version] = object.apiVersion.split('/');
          const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === object.kind);
          const served = crd?.spec.versions.find((v) => v.name === version && v.served);
          expect(served, `${check.id}: ${object.apiVersion} ${object.kind} served`).toBeDefined();
          const validate = ajv.compile(served?.schema?.openAPIV3Schema ?? {});
          expect(validate(object), `${check.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
      }
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

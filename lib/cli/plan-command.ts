import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { registry } from '../../suites/registry.ts';
import { benchPlan } from '../bench/cluster-bench.ts';
import { MeshproofError } from '../errors/meshproof-error.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import type { MeshName, Routing } from '../model/index.ts';
import { clusterTimeouts, timeoutGroups } from '../model/index.ts';
import { buildPlan, planRunId, unsupportedReasons } from '../plan/build-plan.ts';
import { readFixtureFiles } from '../platforms/kubernetes/fixture-files.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { selectChecks } from '../runner/select-checks.ts';
import { pinnedValues } from '../versions.ts';
import { prepareOutputFolder } from './output-paths.ts';

/** `meshproof plan`: writes every manifest and command of a live run, touching no cluster. */
export async function runPlan(options: {
  mesh: MeshName;
  routing?: Routing;
  only: readonly string[];
  output: string;
}): Promise<number> {
  if (options.mesh === 'reference') {
    throw new MeshproofError(
      'MESHPROOF_UNSUPPORTED_COMBINATION',
      'plan writes what a live cluster run would apply; the reference mesh renders its haproxy configuration at run time (see a run report) — use --mesh istio, istio-ambient or linkerd',
    );
  }
  // Every value from the environment is checked before anything is written.
  const pinned = pinnedValues();
  const checks = selectChecks(registry, options.only);
  const mesh = clusterMeshFor(options.mesh, options.routing);
  const fixtureFiles = await readFixtureFiles();
  // The sidecar-overhead benchmark runs after the checks, with an un-injected server of its own.
  const bench = benchPlan({
    mesh,
    timeouts: clusterTimeouts,
    nodeImage: pinned.nodeImage,
    echoFiles: fixtureFiles.echoFiles,
    names: clusterNames(planRunId),
  });
  const files = {
    ...buildPlan({
      mesh,
      checks,
      ...fixtureFiles,
      images: { k3s: pinned.k3sImage, node: pinned.nodeImage, k6: pinned.k6Image },
      timeouts: clusterTimeouts,
      extraSections: [bench.section],
    }),
    ...bench.files,
    // The named timeouts in force (defaults, or a --timeouts file's), in the file's own format.
    'timeouts.json': `${JSON.stringify(timeoutGroups, null, 2)}\n`,
  };
  // The output folder is made only now, once everything the plan reads has been checked: a refused
  // plan leaves nothing behind.
  await prepareOutputFolder(options.output);
  // One folder per mode: plan/istio, plan/istio-gateway-api, plan/istio-ambient, plan/linkerd.
  const dir = join(resolve(options.output), 'plan', mesh.mode.replace('/', '-'));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  const planned = checks.filter((c) => unsupportedReasons(c, mesh).length === 0).length;
  process.stdout.write(
    `plan for ${mesh.mode} ${mesh.version}: ${planned} check(s) planned, ${checks.length - planned} not supported (reasons in plan.json), and the ${mesh.name === 'istio-ambient' ? 'ambient' : 'sidecar'}-overhead benchmark\n  ${relative(process.cwd(), dir)}/{namespaces.yaml,fixtures.yaml,bench.yaml,commands.sh,plan.json,timeouts.json,<check-id>.yaml}\n`,
  );
  return 0;
}

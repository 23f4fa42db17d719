import { afterAll, describe, expect, it } from 'vitest';
import { type LocalEnvironment, startLocalEnvironment } from '../lib/environments/local-environment.ts';
import { meshCapabilities } from '../lib/meshes/capabilities.ts';
import { referenceSupport } from '../lib/meshes/reference/capabilities.ts';
import type { DefectDefinition, ReferenceDefect } from '../lib/meshes/reference/defects.ts';
import { referenceDefectNames, referenceDefects } from '../lib/meshes/reference/defects.ts';
import type { Check, CheckResult, Environment } from '../lib/model/index.ts';
import { referenceDefectFootprint } from '../lib/mutants/defect-footprint.ts';
import { differingFiles, readInstalledFiles } from '../lib/mutants/mesh-files.ts';
import { buildConformanceReport } from '../lib/report/conformance-report.ts';
import { reportSchemaProblems } from '../lib/report/report-schema.ts';
import { runCheck } from '../lib/runner/run-check.ts';
import { registry } from './registry.ts';

/**
 * Every check is proven both ways on real haproxy sidecars and real traffic: it passes on the
 * conformant reference mesh and fails on the reference mesh carrying the defect it exists for.
 */
interface Installation {
  readonly env: LocalEnvironment;
  /** What the installation wrote besides configuration, read before any check changed it. */
  readonly files: ReadonlyMap<string, string>;
}
const installations = new Map<string, Promise<Installation>>();
function installation(defect?: ReferenceDefect): Promise<Installation> {
  const key = defect ?? 'conformant';
  let installed = installations.get(key);
  if (!installed) {
    const defects = new Set(defect ? [defect] : []);
    installed = startLocalEnvironment({ defects }).then(async (env) => ({
      env,
      files: await readInstalledFiles(env, defects),
    }));
    installations.set(key, installed);
  }
  return installed;
}
const environment = async (defect?: ReferenceDefect): Promise<Environment> =>
  (await installation(defect)).env;

afterAll(async () => {
  for (const installed of installations.values()) await (await installed).env[Symbol.asyncDispose]();
});

/** Every result of this file, passed and failed, for the schema test at its end. */
const results: CheckResult[] = [];
const recorded = (result: CheckResult) => {
  results.push(result);
  return result;
};

const defectsCatching = (checkId: string) =>
  referenceDefectNames.filter((d) => (referenceDefects[d].catches as readonly string[]).includes(checkId));

const supportedByReference = (check: Check) => check.features.every((f) => referenceSupport[f].supported);

describe.each(registry.filter((c) => !supportedByReference(c)).map((c) => [c.id, c] as const))(
  '%s',
  (_id, check) => {
    // Its judge is proven both ways on recorded observations in its own test file.
    it('is reported NOT_SUPPORTED by the reference mesh, naming the feature and why', async () => {
      const result = recorded(await runCheck(check, await environment(), 'unsupported'));
      expect(result.status).toBe('NOT_SUPPORTED');
      const missing = check.features.filter((f) => !referenceSupport[f].supported);
      for (const feature of missing) expect(result.reason).toContain(feature);
    });
  },
);

describe.each(registry.filter(supportedByReference).map((check) => [check.id, check] as const))(
  '%s',
  (_id, check) => {
    it('passes on the conformant reference mesh', async () => {
      const result = recorded(await runCheck(check, await environment(), 'conformant'));
      expect(result, `${result.want} / got ${result.got}`).toMatchObject({ status: 'PASSED' });
      if (check.convergence) expect(result.propagationMs).not.toBeNull();
    });

    it('is caught by at least one defect of the reference mesh', () => {
      expect(defectsCatching(check.id)).not.toEqual([]);
    });

    for (const defect of defectsCatching(check.id)) {
      it(`fails under defect ${defect}, stating want and got`, async () => {
        const result = recorded(await runCheck(check, await environment(defect), defect));
        expect(result.status, result.got).toBe('FAILED');
        expect(result.want).not.toBe('');
        expect(result.got).not.toBe(result.want);
        expect(result.diagnostics?.length).toBeGreaterThan(0);
      });
    }
  },
);

it('every defect names only checks that exist', () => {
  const ids = new Set(registry.map((c) => c.id));
  for (const defect of referenceDefectNames) {
    for (const id of referenceDefects[defect].catches) expect(ids, `${defect} → ${id}`).toContain(id);
  }
});

// `make mutants` runs under a defect only the checks it renders (or installs) differently for: so
// every defect must do that for each check it catches, or declare why its effect is elsewhere.
describe.each(referenceDefectNames.map((d) => [d] as const))('defect %s', (defect) => {
  it('changes what the reference mesh renders or installs for each check it catches', async () => {
    const [conformant, defective] = await Promise.all([installation(), installation(defect)]);
    const footprint = referenceDefectFootprint({
      defect,
      checks: registry,
      wiring: defective.env.local.wiring,
      installed: { conformant: conformant.files, defective: defective.files },
    });
    const unseen = referenceDefects[defect].catches.filter(
      (id) => !footprint.checks.some((c) => c.id === id && c.run),
    );
    expect(
      unseen,
      'the defect renders the same configuration for these checks, so it cannot change their verdict; if its effect is outside the rendering, declare `unrenderedEffect`',
    ).toEqual([]);
  });

  // `make mutants` runs such a defect on the conformant installation with the defect's rendering.
  it('installs the same files as the conformant mesh, or declares its effect outside the rendering', async () => {
    const definition: DefectDefinition = referenceDefects[defect];
    if (definition.unrenderedEffect) return;
    const [conformant, defective] = await Promise.all([installation(), installation(defect)]);
    expect(
      differingFiles(conformant.files, defective.files),
      'make mutants reuses the conformant installation for a defect of the renderer; a defect that changes what the installation writes must declare `unrenderedEffect` (it then gets an installation of its own)',
    ).toEqual([]);
  });
});

it('writes every result above, passed, failed or not supported, as the report schema says', () => {
  expect(results.length).toBeGreaterThan(0);
  const now = new Date();
  // One report per check id (a report holds each check once); evidence is what varies.
  const byRound = new Map<number, CheckResult[]>();
  const seen = new Map<string, number>();
  for (const result of results) {
    const round = seen.get(result.id) ?? 0;
    seen.set(result.id, round + 1);
    byRound.set(round, [...(byRound.get(round) ?? []), result]);
  }
  for (const [round, roundResults] of byRound) {
    const report = buildConformanceReport({
      config: {
        runId: `schema-${round}`,
        mesh: 'reference',
        routing: 'virtual-service',
        platform: 'local',
        only: [],
        defects: [],
        workDir: '/tmp',
        outputDir: '/tmp',
      },
      registry: registry.filter((c) => roundResults.some((r) => r.id === c.id)),
      results: roundResults,
      meshVersion: 'test',
      harnessVersion: 'test',
      capabilities: meshCapabilities('reference'),
      startedAt: now,
      finishedAt: now,
      environment: { node: process.version, os: process.platform, arch: process.arch, cpus: 2 },
    });
    expect(reportSchemaProblems(JSON.parse(JSON.stringify(report)))).toEqual([]);
  }
});

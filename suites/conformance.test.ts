import { afterAll, describe, expect, it } from 'vitest';
import { referenceSupport } from '../lib/meshes/reference/capabilities.ts';
import type { ReferenceDefect } from '../lib/meshes/reference/defects.ts';
import { referenceDefectNames, referenceDefects } from '../lib/meshes/reference/defects.ts';
import type { Check, Environment } from '../lib/model/index.ts';
import { startLocalEnvironment } from '../lib/platforms/local/local-environment.ts';
import { runCheck } from '../lib/runner/run-check.ts';
import { registry } from './registry.ts';

/**
 * Every check is proven both ways on real haproxy sidecars and real traffic: it passes on the
 * conformant reference mesh and fails on the reference mesh carrying the defect it exists for.
 */
const environments = new Map<string, Promise<Environment>>();
function environment(defect?: ReferenceDefect): Promise<Environment> {
  const key = defect ?? 'conformant';
  let env = environments.get(key);
  if (!env) {
    env = startLocalEnvironment({ defects: new Set(defect ? [defect] : []) });
    environments.set(key, env);
  }
  return env;
}

afterAll(async () => {
  for (const env of environments.values()) await (await env)[Symbol.asyncDispose]();
});

const defectsCatching = (checkId: string) =>
  referenceDefectNames.filter((d) => (referenceDefects[d].catches as readonly string[]).includes(checkId));

const supportedByReference = (check: Check) => check.features.every((f) => referenceSupport(f).supported);

describe.each(registry.filter((c) => !supportedByReference(c)).map((c) => [c.id, c] as const))(
  '%s',
  (_id, check) => {
    // Its judge is proven both ways on recorded observations in its own test file.
    it('is reported NOT_SUPPORTED by the reference mesh, naming the feature and why', async () => {
      const result = await runCheck(check, await environment(), 'unsupported');
      expect(result.status).toBe('NOT_SUPPORTED');
      const missing = check.features.filter((f) => !referenceSupport(f).supported);
      for (const feature of missing) expect(result.reason).toContain(feature);
    });
  },
);

describe.each(registry.filter(supportedByReference).map((check) => [check.id, check] as const))(
  '%s',
  (_id, check) => {
    it('passes on the conformant reference mesh', async () => {
      const result = await runCheck(check, await environment(), 'conformant');
      expect(result, `${result.want} / got ${result.got}`).toMatchObject({ status: 'PASSED' });
      if (check.convergence) expect(result.propagationMs).not.toBeNull();
    });

    it('is caught by at least one defect of the reference mesh', () => {
      expect(defectsCatching(check.id)).not.toEqual([]);
    });

    for (const defect of defectsCatching(check.id)) {
      it(`fails under defect ${defect}, stating want and got`, async () => {
        const result = await runCheck(check, await environment(defect), defect);
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

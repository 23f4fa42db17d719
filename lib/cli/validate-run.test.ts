import { describe, expect, it } from 'vitest';
import { isMeshproofError } from '../errors/meshproof-error.ts';
import { validateRunFlags } from './validate-run.ts';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return isMeshproofError(error) ? error.code : 'not coded';
  }
  return undefined;
}

describe('validateRunFlags', () => {
  it('defaults to the reference mesh on the local platform, and k3s for cluster meshes', () => {
    expect(validateRunFlags({})).toMatchObject({
      mesh: 'reference',
      platform: 'local',
      only: [],
      defects: [],
    });
    expect(validateRunFlags({ mesh: 'istio' })).toMatchObject({ mesh: 'istio', platform: 'k3s' });
  });
  it('splits comma-separated lists', () => {
    expect(validateRunFlags({ only: 'a, b', defect: 'mtls-permissive,authz-ignored' })).toMatchObject({
      only: ['a', 'b'],
      defects: ['mtls-permissive', 'authz-ignored'],
    });
  });
  it.each([
    [{ mesh: 'consul' }, 'MESHPROOF_UNKNOWN_MESH'],
    [{ platform: 'nomad' }, 'MESHPROOF_UNKNOWN_PLATFORM'],
    [{ mesh: 'reference', platform: 'k3s' }, 'MESHPROOF_UNSUPPORTED_COMBINATION'],
    [{ mesh: 'istio', platform: 'local' }, 'MESHPROOF_UNSUPPORTED_COMBINATION'],
    [{ defect: 'nope' }, 'MESHPROOF_UNKNOWN_DEFECT'],
    [{ mesh: 'istio', defect: 'mtls-permissive' }, 'MESHPROOF_UNKNOWN_DEFECT'],
    [{ basePort: '80' }, 'MESHPROOF_BAD_FLAG'],
    [{ basePort: '3000x' }, 'MESHPROOF_BAD_FLAG'],
    [{ mesh: 'istio', platform: 'kubeconfig' }, 'MESHPROOF_BAD_FLAG'],
    [{ mesh: 'istio', context: 'prod' }, 'MESHPROOF_BAD_FLAG'],
  ])('%j → %s', (flags, code) => {
    expect(codeOf(() => validateRunFlags(flags))).toBe(code);
  });
  it('accepts an existing cluster with a named context', () => {
    expect(
      validateRunFlags({ mesh: 'linkerd', platform: 'kubeconfig', context: 'staging', installMesh: true }),
    ).toMatchObject({ platform: 'kubeconfig', context: 'staging', installMesh: true });
  });
});

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
  it('routes Istio sidecars with VirtualServices unless --routing gateway-api; istio-ambient runs on clusters', () => {
    expect(validateRunFlags({ mesh: 'istio' }).routing).toBe('virtual-service');
    expect(validateRunFlags({ mesh: 'istio', routing: 'gateway-api' }).routing).toBe('gateway-api');
    expect(validateRunFlags({ mesh: 'istio', routing: 'virtual-service' }).routing).toBe('virtual-service');
    expect(validateRunFlags({ mesh: 'istio-ambient' })).toMatchObject({
      mesh: 'istio-ambient',
      platform: 'k3s',
    });
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
    [{ mesh: 'linkerd', routing: 'gateway-api' }, 'MESHPROOF_BAD_FLAG'],
    [{ mesh: 'istio-ambient', routing: 'gateway-api' }, 'MESHPROOF_BAD_FLAG'],
    [{ routing: 'gateway-api' }, 'MESHPROOF_BAD_FLAG'],
    [{ mesh: 'istio', routing: 'gamma' }, 'MESHPROOF_BAD_FLAG'],
    [{ mesh: 'istio', routing: '' }, 'MESHPROOF_BAD_FLAG'],
  ])('%j → %s', (flags, code) => {
    expect(codeOf(() => validateRunFlags(flags))).toBe(code);
  });
  it.each([
    [{ only: '' }, /--only needs at least one check id/],
    [{ only: ' ' }, /--only needs at least one/],
    [{ only: ',' }, /--only needs at least one/],
    [{ only: 'security.mtls,,traffic.*' }, /--only has an empty item in "security.mtls,,traffic.\*"/],
    [{ only: 'a,' }, /--only has an empty item/],
    [{ defect: '' }, /--defect needs at least one defect name/],
    [{ defect: 'mtls-permissive,' }, /--defect has an empty item/],
    [
      { basePort: '0x10' },
      /--base-port must be a whole number from 1024 to 65000 in decimal digits, not "0x10"/,
    ],
    [{ basePort: '1e309' }, /not "1e309"/],
    [{ basePort: '1e4' }, /not "1e4"/],
    [{ basePort: '-2000' }, /not "-2000"/],
    [{ basePort: '2000.5' }, /not "2000.5"/],
    [{ basePort: '' }, /not ""/],
    [{ basePort: '65001' }, /not "65001"/],
    [{ output: '' }, /--output needs a folder/],
    [{ output: '  ' }, /--output needs a folder/],
    [{ bench: '' }, /--bench needs a bench.json/],
    [{ mesh: 'istio', platform: 'kubeconfig', context: '' }, /--context needs a kubeconfig context name/],
  ])('refuses %j with MESHPROOF_BAD_FLAG saying what is expected', (flags, message) => {
    expect(codeOf(() => validateRunFlags(flags))).toBe('MESHPROOF_BAD_FLAG');
    expect(() => validateRunFlags(flags)).toThrow(message);
  });
  it('accepts an existing cluster with a named context', () => {
    expect(
      validateRunFlags({ mesh: 'linkerd', platform: 'kubeconfig', context: 'staging', installMesh: true }),
    ).toMatchObject({ platform: 'kubeconfig', context: 'staging', installMesh: true });
  });
});

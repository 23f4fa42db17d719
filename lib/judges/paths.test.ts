import { describe, expect, it } from 'vitest';
import { isNormalized, isUnderPrefix, normalizePath } from './paths.ts';

describe('normalizePath (Envoy normalize_path, Istio BASE)', () => {
  it.each([
    ['/public/../admin/users', '/admin/users'],
    ['/public/%2e%2e/admin/users', '/admin/users'],
    ['/public/.%2E/admin/users', '/admin/users'],
    ['/public/./status', '/public/status'],
    ['/admin/../public/status', '/public/status'],
    ['/public//../admin/users', '/public/admin/users'],
    ['/public/..\\admin/users', '/admin/users'],
    ['/../../etc', '/etc'],
    ['/public/..', '/'],
    ['/a/.', '/a/'],
    ['/%61pi/items', '/api/items'],
    ['/api%2Fitems', '/api%2Fitems'],
    ['/public/..%2Fadmin', '/public/..%2Fadmin'],
    ['/public/..%5Cadmin', '/public/..%5Cadmin'],
    ['//api/items', '//api/items'],
    ['/API/items', '/API/items'],
    ['/public/status?next=/../admin', '/public/status'],
  ])('%s → %s', (raw, normalized) => {
    expect(normalizePath(raw)).toBe(normalized);
  });

  it('tells a normalized path from one an app could resolve elsewhere', () => {
    expect(isNormalized('/public/status')).toBe(true);
    expect(isNormalized('/public/status?a=../b')).toBe(true);
    expect(isNormalized('/public//../admin/users')).toBe(false);
    expect(isNormalized('/public/..\\admin/users')).toBe(false);
    expect(isNormalized('/public/%2e%2e/admin')).toBe(false);
  });
});

describe('isUnderPrefix (segment by segment, case-sensitive)', () => {
  it.each([
    ['/api', '/api', true],
    ['/api/', '/api', true],
    ['/api/items', '/api', true],
    ['/api/items?x=1', '/api', true],
    ['/api', '/api/', true],
    ['/apiary', '/api', false],
    ['/api%2Fitems', '/api', false],
    ['/API/items', '/api', false],
    ['//api/items', '/api', false],
    ['/anything', '/', true],
  ])('%s under %s: %s', (path, prefix, under) => {
    expect(isUnderPrefix(path, prefix)).toBe(under);
  });
});

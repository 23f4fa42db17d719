import { describe, expect, it } from 'vitest';
import { acceptance } from './kube-client.ts';

describe('acceptance', () => {
  it('reads Gateway API route status: accepted by a parent', () => {
    expect(
      acceptance({
        parents: [
          {
            controllerName: 'linkerd.io/policy-controller',
            conditions: [{ type: 'Accepted', status: 'True' }],
          },
        ],
      }),
    ).toBe(true);
  });
  it('reports a rejection with its reason', () => {
    expect(
      acceptance({
        parents: [
          {
            conditions: [
              { type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners', message: 'x' },
            ],
          },
        ],
      }),
    ).toBe('NotAllowedByListeners: x');
  });
  it('reads top-level conditions (policies) and is undecided without any', () => {
    expect(acceptance({ conditions: [{ type: 'Accepted', status: 'True' }] })).toBe(true);
    expect(acceptance({})).toBeUndefined();
    expect(acceptance(undefined)).toBeUndefined();
  });
});

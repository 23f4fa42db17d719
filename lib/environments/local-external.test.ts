import { describe, expect, it } from 'vitest';
import type { ReferenceWiring } from '../meshes/reference/wiring.ts';
import type { TrafficDriver, TrafficPlan } from '../model/index.ts';
import { egressTarget, withEgressFixtures } from './local-external.ts';

const wiring: ReferenceWiring = {
  runId: 'egress',
  caFile: '/mesh/ca.pem',
  luaFile: '/mesh/sidecar.lua',
  sidecars: [
    { name: 'client', identity: 'id', certFile: '/mesh/client.pem', outboundPort: 1001, egressPort: 1101 },
  ],
  services: { server: [] },
  external: {
    ext: { address: '127.0.0.2', port: 4000 },
    'ext-alt': { address: '127.0.0.2', port: 4001 },
    forbidden: { address: '127.0.0.3', port: 4000 },
  },
};
const driver: TrafficDriver = { send: async () => [] };
const plan: TrafficPlan = { caller: 'client', service: 'server', requests: 1 };

describe('egressTarget', () => {
  it("sends a meshed caller's request to its sidecar's egress listener, naming the address dialled", () => {
    expect(egressTarget(wiring, 'client', { host: 'ext.example', destination: 'forbidden' })).toEqual({
      origins: ['http://127.0.0.1:1101'],
      host: 'ext.example',
      originalDestination: { address: '127.0.0.3', port: 4000 },
    });
  });

  it("sends the outsider's straight to the fixture, outside the mesh", () => {
    expect(egressTarget(wiring, 'outsider', { host: 'ext.example', destination: 'ext' })).toEqual({
      origins: ['http://127.0.0.2:4000'],
      host: 'ext.example',
    });
  });
});

describe('withEgressFixtures', () => {
  it('says why it cannot send requests outside the mesh where the fixtures could not start, and only those', () => {
    const limited = withEgressFixtures(driver, { unavailable: 'no 127.0.0.2 here' });
    expect(limited.cannotSend?.({ ...plan, egress: { host: 'ext.example', destination: 'ext' } })).toBe(
      'no 127.0.0.2 here',
    );
    expect(limited.cannotSend?.(plan)).toBeUndefined();
  });

  it('starts the fixtures before the first request outside the mesh, and not for any other request', async () => {
    let starts = 0;
    const sent: TrafficPlan[] = [];
    const recording: TrafficDriver = {
      send: async (p) => {
        sent.push(p);
        return [];
      },
    };
    const fixtures = {
      addresses: wiring.external ?? ({} as never),
      start: async () => {
        starts++;
      },
      release: async () => {},
    };
    const wrapped = withEgressFixtures(recording, fixtures);
    await wrapped.send(plan, 'a.');
    expect(starts).toBe(0);
    await wrapped.send({ ...plan, egress: { host: 'ext.example', destination: 'ext' } }, 'b.');
    expect(starts).toBe(1);
    expect(sent).toHaveLength(2);
    expect(
      wrapped.cannotSend?.({ ...plan, egress: { host: 'ext.example', destination: 'ext' } }),
    ).toBeUndefined();
  });
});

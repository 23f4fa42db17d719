import { describe, expect, it } from 'vitest';
import { istioAmbientDataPlane, withoutWaypoint } from '../meshes/data-plane.ts';
import { type FoundPods, proxySites, resolveProxyPods, sharedProxyKey, sumUsage } from './proxy-sites.ts';

const ambient = istioAmbientDataPlane({
  ztunnelNamespace: 'istio-system',
  waypoint: { namespace: 'meshproof', gateway: 'waypoint' },
});
const ztunnelKey = sharedProxyKey(ambient.ztunnel);
const waypointKey = sharedProxyKey(ambient.waypoint ?? ambient.ztunnel);

function found(ztunnels: { name: string; node: string | undefined }[], serverNode = 'node-b'): FoundPods {
  return {
    ends: {
      client: { name: 'client-1', node: 'node-a', namespace: 'meshproof', label: 'client' },
      server: { name: 'server-v1-1', node: serverNode, namespace: 'meshproof', label: 'server-v1' },
    },
    shared: new Map([
      [ztunnelKey, ztunnels],
      [waypointKey, [{ name: 'waypoint-1', node: 'node-c' }]],
    ]),
  };
}

describe('the proxies of a path', () => {
  it('are none on the baseline, two sidecars, or the ztunnels of both ends plus the waypoint where L7 is on', () => {
    expect(proxySites({ kind: 'none' })).toEqual([]);
    expect(proxySites({ kind: 'sidecars', container: 'linkerd-proxy' }).map((s) => s.role)).toEqual([
      'client-sidecar',
      'server-sidecar',
    ]);
    expect(proxySites(ambient).map((s) => s.role)).toEqual(['client-ztunnel', 'server-ztunnel', 'waypoint']);
    expect(proxySites(withoutWaypoint(ambient)).map((s) => s.role)).toEqual([
      'client-ztunnel',
      'server-ztunnel',
    ]);
    expect(ambient.ztunnel).toEqual({
      namespace: 'istio-system',
      podSelector: 'app=ztunnel',
      container: 'istio-proxy',
    });
    expect(ambient.waypoint?.podSelector).toBe('gateway.networking.k8s.io/gateway-name=waypoint');
  });

  it("takes the ztunnel of each end's own node, never another node's", () => {
    const pods = resolveProxyPods(
      proxySites(ambient),
      found([
        { name: 'ztunnel-c', node: 'node-c' },
        { name: 'ztunnel-b', node: 'node-b' },
        { name: 'ztunnel-a', node: 'node-a' },
      ]),
    );
    expect(pods.map((p) => `${p.role}=${p.pods.join('+')}`)).toEqual([
      'client-ztunnel=ztunnel-a',
      'server-ztunnel=ztunnel-b',
      'waypoint=waypoint-1',
    ]);
  });

  it('reads a ztunnel that carries both ends once', () => {
    const pods = resolveProxyPods(
      proxySites(ambient),
      found([{ name: 'ztunnel-a', node: 'node-a' }], 'node-a'),
    );
    expect(pods.map((p) => `${p.role}=${p.pods.join('+')}`)).toEqual([
      'ztunnel=ztunnel-a',
      'waypoint=waypoint-1',
    ]);
  });

  it('refuses two ztunnels on one node (a rollout in progress) and an end without a node', () => {
    expect(() =>
      resolveProxyPods(
        proxySites(ambient),
        found([
          { name: 'ztunnel-a', node: 'node-a' },
          { name: 'ztunnel-a2', node: 'node-a' },
          { name: 'ztunnel-b', node: 'node-b' },
        ]),
      ),
    ).toThrow(/2 serving ztunnel pods in istio-system \(app=ztunnel\) on node node-a, where client's pod/);
    const unscheduled = found([{ name: 'ztunnel-a', node: 'node-a' }]);
    expect(() =>
      resolveProxyPods(proxySites(ambient), {
        ...unscheduled,
        ends: { ...unscheduled.ends, server: { ...unscheduled.ends.server, node: undefined } },
      }),
    ).toThrow(/server-v1-1 is not scheduled on a node/);
  });

  it('adds the usage of a proxy made of several pods, and has none when one of them was not read', () => {
    const usage = (cpu: number) => ({
      cpuMillicores: { avg: cpu, max: cpu * 2 },
      memoryMiB: { avg: 60, max: 61 },
      samples: 3,
    });
    expect(sumUsage([usage(10), usage(15)])).toEqual({
      cpuMillicores: { avg: 25, max: 50 },
      memoryMiB: { avg: 120, max: 122 },
      samples: 3,
    });
    expect(sumUsage([usage(10), null])).toBeNull();
  });
});

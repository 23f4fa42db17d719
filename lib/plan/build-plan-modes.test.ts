/** Plans of Istio's Gateway API modes: what a live run of `--routing gateway-api` and `istio-ambient` does. */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../suites/registry.ts';
import { benchPlan } from '../bench/cluster-bench.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { istioGatewayApiProblem } from '../meshes/istio/istio-gateway-api-crds.ts';
import { clusterTimeouts } from '../model/index.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { buildPlan, planRunId } from './build-plan.ts';

const plan = (mesh: 'istio' | 'istio-ambient', routing?: 'gateway-api') =>
  buildPlan({
    mesh: clusterMeshFor(mesh, routing),
    checks: registry,
    echoFiles: { 'echo-server.ts': '// echo' },
    k6Files: { 'run-plan.ts': '// k6' },
    images: { k3s: 'rancher/k3s:test', node: 'node:test', k6: 'grafana/k6:test' },
    timeouts: clusterTimeouts,
  });

const statusOf = (files: Record<string, string>) =>
  Object.fromEntries(
    (
      JSON.parse(files['plan.json'] ?? '{}') as { checks: { id: string; status: string; reason?: string }[] }
    ).checks.map((c) => [c.id, c.reason ?? c.status]),
  );

describe('the istio --routing gateway-api plan', () => {
  const files = plan('istio', 'gateway-api');
  const script = files['commands.sh'] ?? '';

  it('installs the experimental Gateway API CRDs before Istio, sidecars under the run’s revision', () => {
    const crds = script.indexOf('gateway-api/releases/download/v1.5.1/experimental-install.yaml');
    expect(crds).toBeGreaterThan(0);
    expect(crds).toBeLessThan(
      script.indexOf('istioctl install --revision meshproof-plan --set profile=minimal'),
    );
    expect(script).toContain(
      'kubectl wait gatewayclass.gateway.networking.k8s.io/istio --for=condition=Accepted',
    );
    expect(script).not.toContain('--purge');
  });

  it('routes with HTTPRoutes only, waits for Istio to accept them, and says why the rest is not supported', () => {
    const routed = Object.entries(files).filter(
      ([name]) => name.startsWith('traffic.') && name.endsWith('.yaml'),
    );
    expect(routed.length).toBeGreaterThan(3);
    for (const [, content] of routed) {
      const kinds = parseAllDocuments(content).map((d) => (d.toJSON() as { kind: string }).kind);
      expect(kinds).toContain('HTTPRoute');
      expect(kinds).not.toContain('VirtualService');
    }
    expect(script).toContain('httproute.gateway.networking.k8s.io/server-routes');
    const status = statusOf(files);
    expect(status['resilience.fault.abort-all']).toMatch(
      /^FaultAbort: Gateway API HTTPRoute has no fault injection/,
    );
    expect(status['resilience.retries.per-try-timeout']).toMatch(/^rendering: .*per-try timeout/);
    expect(status['resilience.retries.attempts-honoured']).toBe('PLANNED');
    expect(status['resilience.ratelimit.local']).toBe('PLANNED');
    expect(JSON.parse(files['plan.json'] ?? '{}').mesh).toMatchObject({
      name: 'istio',
      mode: 'istio/gateway-api',
    });
  });
});

describe('the istio-ambient plan', () => {
  const files = plan('istio-ambient');
  const script = files['commands.sh'] ?? '';
  const names = clusterNames(planRunId);

  it('installs the ambient profile for k3s under the run’s revision after the Gateway API CRDs', () => {
    const install = script.indexOf(
      'istioctl install --revision meshproof-plan --set profile=ambient --set values.global.platform=k3s --readiness-timeout 300s -y',
    );
    expect(install).toBeGreaterThan(script.indexOf('experimental-install.yaml'));
    expect(script).toContain('kubectl wait gatewayclass.gateway.networking.k8s.io/istio-waypoint');
    expect(script).toContain('istioctl uninstall --revision meshproof-plan -y');
    expect(script).not.toContain('--purge');
  });

  it('enrols the meshed namespace by label, binds it to the waypoint, never to a sidecar injector', () => {
    const [meshed, outside] = parseAllDocuments(files['namespaces.yaml'] ?? '').map(
      (d) => d.toJSON() as { metadata: { labels: Record<string, string> } },
    );
    expect(meshed?.metadata.labels).toMatchObject({
      'istio.io/dataplane-mode': 'ambient',
      'istio.io/use-waypoint': 'waypoint',
      'istio-injection': 'disabled',
    });
    expect(meshed?.metadata.labels).not.toHaveProperty(['istio.io/rev']);
    expect(outside?.metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'none' });
    const gateway = parseAllDocuments(files['fixtures.yaml'] ?? '')
      .map((d) => d.toJSON() as { kind: string; metadata: Record<string, unknown> })
      .find((o) => o.kind === 'Gateway');
    expect(gateway?.metadata).toMatchObject({ name: 'waypoint', namespace: names.meshNamespace });
  });

  it('proves enrolment and the waypoint before the identity probe, and the probe expects the waypoint’s XFCC', () => {
    const captured = script.indexOf('# verify: every workload pod of meshproof-plan is captured by ztunnel');
    const programmed = script.indexOf('--for=condition=Programmed');
    const bound = script.indexOf('--for=condition=istio.io/WaypointBound');
    const probe = script.indexOf(
      "# verify: the driver's exact command gets an answer from server through the mesh",
    );
    expect(captured).toBeGreaterThan(0);
    expect(captured).toBeLessThan(programmed);
    expect(programmed).toBeLessThan(bound);
    expect(bound).toBeLessThan(probe);
    expect(script).toContain(
      `with client's identity spiffe://cluster.local/ns/${names.meshNamespace}/sa/client`,
    );
  });

  it('says per check what ambient supports, and why not', () => {
    const status = statusOf(files);
    expect(status['security.authz.deny-unlisted-identity']).toBe('PLANNED');
    expect(status['security.mtls.identity-presented']).toBe('PLANNED');
    expect(status['security.authz.method-and-path']).toMatch(/^RequestAuthzOutsideMesh: .*ztunnel/);
    expect(status['security.authz.forged-identity-header']).toMatch(/^RequestAuthzOutsideMesh/);
    expect(status['resilience.ratelimit.local']).toMatch(/^RateLimit: .*waypoint/);
    expect(status['resilience.fault.delay-percentage']).toMatch(/^FaultDelay/);
  });

  it('benchmarks ztunnel alone and with the waypoint, reading both proxies', () => {
    const bench = benchPlan({
      mesh: clusterMeshFor('istio-ambient'),
      timeouts: clusterTimeouts,
      nodeImage: 'node:test',
      echoFiles: {},
      names,
    });
    expect(bench.section.heading).toMatch(/ztunnel only \(L4\) and ztunnel with the waypoint \(L7\)/);
    const titles = bench.section.steps.map((s) => s.title).join('\n');
    expect(titles).toContain(
      'meshed-l4: k6 constant-arrival-rate from client (in the mesh, to server-v1-l4 (istio.io/use-waypoint: none',
    );
    expect(titles).toContain(
      "in istio-system: ztunnel's istio-proxy on the client's and on server-v1's node CPU and memory",
    );
    expect(titles).toContain("the waypoint's istio-proxy");
    // The waypoint is read in the L7 windows only; ztunnel in both meshed ones.
    const reads = bench.section.steps.map((s) => s.title);
    const l4Window = reads.findIndex((t) => t.includes(', meshed-l4: k6'));
    expect(reads[l4Window + 1]).toContain("in istio-system: ztunnel's");
    expect(reads[l4Window + 2]).not.toContain('waypoint');
    const service = parseAllDocuments(bench.files['bench.yaml'] ?? '')
      .map((d) => d.toJSON() as { kind: string; metadata: { name: string; labels: Record<string, string> } })
      .find((o) => o.metadata.name === 'server-v1-l4');
    expect(service?.metadata.labels['istio.io/use-waypoint']).toBe('none');
  });
});

describe('the Gateway API CRDs an existing cluster must have for these modes', () => {
  const crd = (version: string, channel: string, served = ['v1']) => ({
    served,
    annotations: {
      'gateway.networking.k8s.io/bundle-version': version,
      'gateway.networking.k8s.io/channel': channel,
    },
  });
  it('takes the experimental channel from v1.2.1 on, and refuses the standard one (retry would be pruned)', () => {
    const name = 'httproutes.gateway.networking.k8s.io';
    expect(istioGatewayApiProblem(name, crd('v1.5.1', 'experimental'))).toBeUndefined();
    expect(istioGatewayApiProblem(name, crd('v1.2.1', 'experimental'))).toBeUndefined();
    expect(istioGatewayApiProblem(name, crd('v1.5.1', 'standard'))).toMatch(/standard channel .*no retry/);
    expect(istioGatewayApiProblem(name, crd('v1.1.0', 'experimental'))).toMatch(/older than v1.2.1/);
    expect(istioGatewayApiProblem(name, crd('v1.5.1', 'experimental', ['v1beta1']))).toMatch(
      /does not serve v1/,
    );
    expect(istioGatewayApiProblem(name, undefined)).toMatch(/not installed/);
    expect(istioGatewayApiProblem(name, { served: ['v1'], annotations: {} })).toMatch(/cannot be told/);
  });
});

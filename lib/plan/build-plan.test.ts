import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../suites/registry.ts';
import { clusterMeshFor } from '../meshes/cluster-meshes.ts';
import { clusterTimeouts } from '../model/index.ts';
import { buildPlan } from './build-plan.ts';

const plan = (mesh: 'istio' | 'linkerd') =>
  buildPlan({
    mesh: clusterMeshFor(mesh),
    checks: registry,
    echoFiles: { 'echo-server.ts': '// echo', 'echo-protocol.ts': '// protocol' },
    k6Files: { 'run-plan.ts': '// k6', 'lib/observation.ts': '// obs', 'lib/plan.ts': '// plan' },
    images: { k3s: 'rancher/k3s:test', node: 'node:test', k6: 'grafana/k6:test' },
    timeouts: clusterTimeouts,
  });

describe.each(['istio', 'linkerd'] as const)('the %s plan', (mesh) => {
  const files = plan(mesh);
  const script = files['commands.sh'] ?? '';
  const at = (text: string) => script.indexOf(text);
  const summary = JSON.parse(files['plan.json'] ?? '{}') as {
    checks: { id: string; status: string; reason?: string }[];
    namespaces: { meshNamespace: string; outsideNamespace: string };
  };

  it('has one manifest file per supported check and names why the others are not supported', () => {
    for (const check of summary.checks) {
      if (check.status === 'PLANNED') expect(files).toHaveProperty([`${check.id}.yaml`]);
      else {
        expect(files).not.toHaveProperty([`${check.id}.yaml`]);
        expect(check.reason).toMatch(/\w+: .{20,}/);
      }
    }
    expect(summary.checks.map((c) => c.id)).toEqual(registry.map((c) => c.id));
  });

  it('holds back the checks whose callers present forged credentials, which k6 cannot send yet', () => {
    for (const id of [
      'security.mtls.strict-rejects-impostors',
      'security.mtls.permissive-impostors-unidentified',
    ]) {
      const check = summary.checks.find((c) => c.id === id);
      expect(check?.status, id).not.toBe('PLANNED');
      expect(check?.reason).toMatch(/^traffic on clusters: the k6 callers cannot yet .*forged credentials/);
    }
  });

  it('writes parseable YAML with namespaced objects', () => {
    for (const [name, content] of Object.entries(files).filter(([n]) => n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(content)) {
        expect(doc.errors, name).toEqual([]);
        const object = doc.toJSON() as { kind?: string; metadata?: { namespace?: string } } | null;
        if (object && object.kind !== 'Namespace') expect(object.metadata?.namespace, name).toBeDefined();
      }
    }
  });

  it('lists the commands in order: install, deploy, preflight, every planned check, cleanup', () => {
    expect(at(`# ---- install ${mesh}`)).toBeGreaterThan(0);
    expect(at('# ---- deploy the fixtures')).toBeGreaterThan(at(`# ---- install ${mesh}`));
    expect(at('# ---- live preflight')).toBeGreaterThan(at('# ---- deploy the fixtures'));
    for (const check of summary.checks.filter((c) => c.status === 'PLANNED')) {
      expect(at(`# ---- check ${check.id}`), check.id).toBeGreaterThan(at('# ---- live preflight'));
    }
    expect(at('# ---- cleanup')).toBeGreaterThan(at('# ---- check '));
    expect(script).toContain('kubectl delete --ignore-not-found --wait=true -f namespaces.yaml');
    expect(script).toContain('k6 run');
  });

  it('speaks k6 v2 and never purges a mesh', () => {
    expect(script).not.toContain('--no-summary');
    expect(script).toContain('--summary-mode=disabled');
    expect(script).not.toContain('--purge');
  });

  it('puts the fixtures into namespaces carrying the run id, created only when absent', () => {
    expect(summary.namespaces).toEqual({
      meshNamespace: 'meshproof-plan',
      outsideNamespace: 'meshproof-outside-plan',
    });
    expect(script).toContain('kubectl create -f namespaces.yaml');
    const namespaces = parseAllDocuments(files['namespaces.yaml'] ?? '').map(
      (d) => d.toJSON() as { kind: string; metadata: { name: string; labels: Record<string, string> } },
    );
    expect(namespaces.map((n) => n.metadata.name)).toEqual(['meshproof-plan', 'meshproof-outside-plan']);
    for (const n of namespaces) expect(n.metadata.labels['meshproof.dev/run']).toBe('plan');
    expect(files['fixtures.yaml']).not.toMatch(/kind: Namespace/);
    for (const [name, content] of Object.entries(files).filter(([n]) => n.endsWith('.yaml'))) {
      expect(content, name).not.toMatch(/namespace: meshproof(-outside)?\n/);
    }
  });

  it('proves every assumption live before the first check', () => {
    const preflight = script.slice(at('# ---- live preflight'), at('# ---- check '));
    expect(preflight).toContain('# verify: every pod of meshproof-plan has its');
    expect(preflight).toContain('# verify: no pod of meshproof-outside-plan has a proxy');
    expect(preflight).toContain('k6 version --json');
    expect(preflight).toMatch(
      /# verify: the driver's exact command gets an answer from server through the mesh, with client's identity \S+/,
    );
    expect(preflight).toMatch(/# verify: CRD \S+ serves v\S+ \(what the renderer writes\)/);
    expect(script).toMatch(/# verify: (istio|linkerd) identified: version/);
  });

  it('never deletes a fixture Service when withdrawing a check', () => {
    expect(script).not.toMatch(/kubectl delete[^\n]* service\//);
  });
});

it('plans Istio under a revision of its own, waits for its istiod, and never passes the unread --verify', () => {
  const script = plan('istio')['commands.sh'] ?? '';
  expect(script).toContain('istioctl x precheck');
  expect(script).toContain(
    'istioctl install --revision meshproof-plan --set profile=minimal --readiness-timeout 300s -y',
  );
  expect(script).toContain('kubectl rollout status -n istio-system deploy/istiod-meshproof-plan');
  expect(script).not.toContain('--verify');
  expect(script).not.toContain('verify-install');
  expect(script).toContain('istioctl uninstall --revision meshproof-plan -y');
  const namespaces = plan('istio')['namespaces.yaml'] ?? '';
  expect(namespaces).toContain('istio.io/rev: meshproof-plan');
  expect(namespaces).toContain('istio-injection: disabled');
});

it('plans Linkerd: the Gateway API CRDs first, then linkerd check --pre, its own manifests, linkerd check', () => {
  const files = plan('linkerd');
  const script = files['commands.sh'] ?? '';
  const gatewayApi = script.indexOf(
    'kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml',
  );
  expect(gatewayApi).toBeGreaterThan(0);
  expect(script.indexOf('linkerd check --pre')).toBeGreaterThan(gatewayApi);
  expect(script).toContain('linkerd install --crds --set installGatewayAPI=false > linkerd-crds.yaml');
  expect(script).toContain('kubectl apply -f linkerd-crds.yaml');
  expect(script).toContain('linkerd install > linkerd-control-plane.yaml');
  expect(script).toContain('linkerd check --wait 5m');
  expect(script).not.toContain('linkerd uninstall');
  expect(script).toContain('linkerd diagnostics policy -n meshproof-plan svc/server 80');
  expect(script).toMatch(/linkerd diagnostics policy -n meshproof-plan \S+ 8080/);
  expect(files['fixtures.yaml']).toContain('server-fault-503');
  expect(files['namespaces.yaml']).toContain('linkerd.io/inject: disabled');
});

it('probes convergence on the pod it measures: the rate-limit probe goes where the burst goes; outlier ejection waits for it', () => {
  const files = plan('istio');
  const route = parseAllDocuments(files['resilience.ratelimit.local.yaml'] ?? '')
    .map(
      (d) =>
        d.toJSON() as {
          kind: string;
          spec: { http?: { match?: unknown[]; route: { destination: { subset: string } }[] }[] };
        },
    )
    .find((o) => o.kind === 'VirtualService');
  const subsets = (route?.spec.http ?? []).map((rule) => rule.route.map((r) => r.destination.subset));
  expect(subsets).toEqual([['v1'], ['v1']]);
  const outlier =
    (files['commands.sh'] ?? '').split('# ---- check resilience.circuit.outlier-ejection')[1] ?? '';
  expect(outlier.split('# ---- ')[0]).toContain('# probe until the intent is observed');
});

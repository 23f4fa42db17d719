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
  const summary = JSON.parse(files['plan.json'] ?? '{}') as {
    checks: { id: string; status: string; reason?: string }[];
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

  it('lists the commands in order: install, deploy, every planned check, cleanup', () => {
    const script = files['commands.sh'] ?? '';
    const at = (text: string) => script.indexOf(text);
    expect(at(`# ---- install ${mesh}`)).toBeGreaterThan(0);
    expect(at('# ---- deploy the fixtures')).toBeGreaterThan(at(`# ---- install ${mesh}`));
    for (const check of summary.checks.filter((c) => c.status === 'PLANNED')) {
      expect(at(`# ---- check ${check.id}`), check.id).toBeGreaterThan(at('# ---- deploy the fixtures'));
    }
    expect(at('# ---- cleanup')).toBeGreaterThan(at('# ---- check '));
    expect(script).toContain('kubectl delete namespace -l meshproof.dev/run=plan');
    expect(script).toContain('k6 run');
  });

  it('never deletes a fixture Service when withdrawing a check', () => {
    expect(files['commands.sh']).not.toMatch(/kubectl delete[^\n]* service\//);
  });
});

it('plans Istio install with in-place verification (verify-install is gone since 1.24)', () => {
  const script = plan('istio')['commands.sh'] ?? '';
  expect(script).toContain('istioctl x precheck');
  expect(script).toMatch(/istioctl install --set profile=minimal .*--verify/);
  expect(script).not.toContain('verify-install');
});

it('plans Linkerd with its CRDs, the Gateway API CRDs and linkerd check', () => {
  const script = plan('linkerd')['commands.sh'] ?? '';
  expect(script).toContain('linkerd check --pre');
  expect(script).toContain('linkerd install --crds --set installGatewayAPI=true | kubectl apply -f -');
  expect(script).toContain('linkerd check --wait 5m');
  expect(plan('linkerd')['fixtures.yaml']).toContain('server-fault-503');
});

import { describe, expect, it } from 'vitest';
import { localNames } from '../../model/index.ts';
import { type KubeObject, renderFixtures, renderNamespaces } from './render-fixtures.ts';

const options = {
  runId: 'r1',
  names: localNames,
  nodeImage: 'node:24-alpine',
  k6Image: 'grafana/k6:2.2.0',
  injection: { labels: { 'istio.io/rev': 'meshproof-r1' }, annotations: {} },
  optOut: { labels: { 'istio-injection': 'disabled' }, annotations: {} },
  echoFiles: { 'echo-server.ts': '// echo', 'echo-protocol.ts': '// protocol' },
  k6Files: { 'run-plan.ts': '// plan', 'lib/observation.ts': '// obs' },
  versions: ['v1', 'v2', 'v3'],
  extraServers: [{ name: 'server-fault-503', status: 503 }],
  jwksServer: '// jwks server',
  jwks: '{"keys":[{"kty":"RSA","kid":"k"}]}',
} as const;
const fixtures = [...renderNamespaces(options), ...renderFixtures(options)];
const find = (kind: string, name: string, namespace?: string) =>
  fixtures.find(
    (o) => o.kind === kind && o.metadata.name === name && (!namespace || o.metadata.namespace === namespace),
  ) as
    | (KubeObject & {
        metadata: { labels?: Record<string, string> };
        // biome-ignore lint/suspicious/noExplicitAny: a test reads deep into rendered manifests.
        spec: any;
        data?: Record<string, string>;
      })
    | undefined;

describe('renderFixtures', () => {
  it('labels both namespaces with the run id, marks the meshed one for injection and opts the other out', () => {
    expect(find('Namespace', 'meshproof')?.metadata).toMatchObject({
      labels: { 'meshproof.dev/run': 'r1', 'istio.io/rev': 'meshproof-r1' },
    });
    expect(find('Namespace', 'meshproof-outside')?.metadata).toMatchObject({
      labels: { 'meshproof.dev/run': 'r1', 'istio-injection': 'disabled' },
    });
    expect(find('Namespace', 'meshproof-outside')?.metadata.labels).not.toHaveProperty('istio.io/rev');
    expect(renderFixtures(options).some((o) => o.kind === 'Namespace')).toBe(false);
  });

  it('runs every server version on the stock Node image from the ConfigMap, as the server account', () => {
    for (const v of ['v1', 'v2', 'v3']) {
      const d = find('Deployment', `server-${v}`, 'meshproof');
      expect(d?.spec.template.metadata.labels).toEqual({ app: 'server', version: v });
      const pod = d?.spec.template.spec;
      expect(pod.serviceAccountName).toBe('server');
      expect(pod.containers[0]).toMatchObject({
        image: 'node:24-alpine',
        command: ['node', '/echo/echo-server.ts'],
      });
      expect(pod.volumes[0].configMap.name).toBe('echo-fixture');
    }
  });

  it('has a Service for all versions and one per version, with a port named http', () => {
    expect(find('Service', 'server')?.spec.selector).toEqual({ app: 'server' });
    expect(find('Service', 'server-v2')?.spec.selector).toEqual({ app: 'server', version: 'v2' });
    expect(find('Service', 'server')?.spec.ports[0]).toMatchObject({
      name: 'http',
      port: 80,
      targetPort: 8080,
    });
  });

  it('gives each caller identity its own k6 pod, the outsider outside the mesh', () => {
    expect(find('Deployment', 'client', 'meshproof')?.spec.template.spec.serviceAccountName).toBe('client');
    expect(find('Deployment', 'frontend', 'meshproof')?.spec.template.spec.serviceAccountName).toBe(
      'frontend',
    );
    expect(find('Deployment', 'outsider', 'meshproof-outside')?.spec.template.spec.containers[0].image).toBe(
      'grafana/k6:2.2.0',
    );
  });

  it('mounts k6 modules at their relative paths although ConfigMap keys are flat', () => {
    expect(find('ConfigMap', 'k6-scripts', 'meshproof')?.data).toEqual({
      'run-plan.ts': '// plan',
      'lib--observation.ts': '// obs',
    });
    const volume = find('Deployment', 'client')?.spec.template.spec.volumes[0];
    expect(volume.configMap.items).toContainEqual({ key: 'lib--observation.ts', path: 'lib/observation.ts' });
  });

  it('deploys extra error backends that answer their status from the start', () => {
    const d = find('Deployment', 'server-fault-503');
    expect(d?.spec.template.spec.containers[0].env).toContainEqual({
      name: 'ECHO_FAIL_STATUS',
      value: '503',
    });
    expect(find('Service', 'server-fault-503')).toBeDefined();
  });

  it("serves the run issuer's key set from the jwks fixture, outside the mesh, where istiod fetches it", () => {
    const d = find('Deployment', 'jwks', localNames.outsideNamespace);
    const container = d?.spec.template.spec.containers[0];
    expect(container.command).toEqual(['node', '/jwks/jwks-server.ts']);
    expect(container.env).toContainEqual({ name: 'JWKS_FILE', value: '/jwks/jwks.json' });
    expect(container.readinessProbe.httpGet.path).toBe('/.well-known/jwks.json');
    const files = find('ConfigMap', 'jwks-fixture', localNames.outsideNamespace)?.data;
    expect(files?.['jwks.json']).toBe(options.jwks);
    expect(files?.['jwks-server.ts']).toBe(options.jwksServer);
    const service = find('Service', 'jwks', localNames.outsideNamespace);
    expect(service?.spec.ports[0].port).toBe(80);
    expect(service?.spec.selector).toEqual({ app: 'jwks' });
  });

  it('deploys no jwks fixture without its script', () => {
    const { jwksServer: _s, jwks: _j, ...without } = options;
    expect(renderFixtures(without).some((o) => o.metadata.name === 'jwks')).toBe(false);
  });
});

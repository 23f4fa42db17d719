import { describe, expect, it } from 'vitest';
import type { ExternalDestination } from '../../model/index.ts';
import { clusterExternalAddress, renderExternalFixtures } from './external-fixtures.ts';
import { clusterNames } from './kubernetes-names.ts';

const externalDestinations: readonly ExternalDestination[] = ['ext', 'ext-alt', 'forbidden'];

const names = clusterNames('20261204-egress');
// biome-ignore lint/suspicious/noExplicitAny: rendered objects, asserted field by field.
type Parsed = any;
const objects = renderExternalFixtures({
  runId: '20261204-egress',
  names,
  nodeImage: 'node:24-alpine',
  echoFiles: { 'echo-server.ts': '//', 'echo-protocol.ts': '//' },
}) as Parsed[];
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe('renderExternalFixtures', () => {
  it('deploys every object in the namespace outside the mesh, labelled with the run', () => {
    for (const o of objects) {
      expect(o.metadata.namespace).toBe(names.outsideNamespace);
      expect(o.metadata.labels['meshproof.dev/run']).toBe('20261204-egress');
    }
  });

  it('puts each destination behind a Service port that reaches an echo naming that destination', () => {
    for (const destination of externalDestinations) {
      const { address, port } = clusterExternalAddress(destination, names);
      const serviceName = address.split('.')[0];
      const service = ofKind('Service').find((s) => s.metadata.name === serviceName);
      const servicePort = service.spec.ports.find((p: Parsed) => p.port === port);
      expect(servicePort, `${destination} on ${serviceName}:${port}`).toBeDefined();
      const deployment = ofKind('Deployment').find((d) => d.metadata.name === serviceName);
      expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
      const container = deployment.spec.template.spec.containers.find((c: Parsed) =>
        c.ports.some((p: Parsed) => p.containerPort === servicePort.targetPort),
      );
      const env = Object.fromEntries(
        container.env.filter((e: Parsed) => e.value !== undefined).map((e: Parsed) => [e.name, e.value]),
      );
      expect(env).toMatchObject({
        PORT: String(servicePort.targetPort),
        ECHO_SERVICE: `external-${destination}`,
      });
    }
  });

  it('gives the allowed host and the forbidden one the same port number, the second port of ext.example its own', () => {
    const port = (d: (typeof externalDestinations)[number]) => clusterExternalAddress(d, names).port;
    expect(port('ext')).toBe(port('forbidden'));
    expect(port('ext-alt')).not.toBe(port('ext'));
    expect(clusterExternalAddress('ext', names).address).not.toBe(
      clusterExternalAddress('forbidden', names).address,
    );
  });
});

import type { ExternalAddress, ExternalDestination, TopologyNames } from '../../model/index.ts';
import { externalServiceName } from '../../model/index.ts';
import { type KubeObject, oneReplicaDeployment } from './kube-object.ts';
import { kube } from './kubernetes-names.ts';

/*
 * The fixtures outside the mesh's registry on a cluster: echo Deployments in the run's namespace
 * outside the mesh, behind Services there. Registry-only egress hides them from the callers' sidecars
 * (their Sidecar imports only its own namespace's services), so to the callers they are external
 * hosts; the allowed one is reached through a ServiceEntry that resolves its Service's DNS name.
 */

/** The Service (in the outside namespace) and port of each external fixture. */
export const externalFixtureServices: Readonly<
  Record<ExternalDestination, { readonly service: string; readonly port: number }>
> = {
  ext: { service: 'egress-ext', port: kube.servicePort },
  'ext-alt': { service: 'egress-ext', port: 8081 },
  forbidden: { service: 'egress-forbidden', port: kube.servicePort },
};

/** Where an external fixture is on a cluster: its Service's DNS name and port. */
export function clusterExternalAddress(
  destination: ExternalDestination,
  names: TopologyNames,
): ExternalAddress {
  const { service, port } = externalFixtureServices[destination];
  return { address: `${service}.${names.outsideNamespace}.svc.cluster.local`, port };
}

/** What the external fixtures are rendered from: the run, its namespaces, the image and the echo's files. */
export interface ExternalFixtureOptions {
  readonly runId: string;
  readonly names: TopologyNames;
  readonly nodeImage: string;
  readonly echoFiles: Readonly<Record<string, string>>;
}

const echoMount = '/echo';
const echoConfigMap = 'echo-fixture-external';

/**
 * The external fixtures (pure), in the namespace outside the mesh: `egress-ext` (ext.example) with
 * an echo on each of its two ports, `egress-forbidden` with one, each behind a Service of that
 * name; the echo reports the destination as its service (`external-ext`, …), which is how a judge
 * tells who answered.
 */
export function renderExternalFixtures(options: ExternalFixtureOptions): KubeObject[] {
  const namespace = options.names.outsideNamespace;
  const runLabels = { [kube.runLabel]: options.runId };
  const byService = new Map<string, ExternalDestination[]>();
  for (const [destination, { service }] of Object.entries(externalFixtureServices)) {
    byService.set(service, [...(byService.get(service) ?? []), destination as ExternalDestination]);
  }
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: echoConfigMap, namespace, labels: runLabels },
      data: { ...options.echoFiles },
    },
  ];
  for (const [service, destinations] of byService) {
    const labels = { app: service };
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, namespace, labels: runLabels },
      spec: {
        selector: labels,
        ports: destinations.map((d) => ({
          name: portName(d),
          port: externalFixtureServices[d].port,
          targetPort: containerPortOf(d),
          appProtocol: 'http',
        })),
      },
    });
    objects.push(
      oneReplicaDeployment(service, namespace, labels, runLabels, {
        containers: destinations.map((d) => ({
          name: portName(d),
          image: options.nodeImage,
          command: ['node', `${echoMount}/echo-server.ts`],
          env: [
            { name: 'PORT', value: String(containerPortOf(d)) },
            { name: 'ECHO_SERVICE', value: externalServiceName(d) },
            { name: 'ECHO_VERSION', value: d },
            { name: 'ECHO_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'ECHO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          ],
          ports: [{ name: portName(d), containerPort: containerPortOf(d) }],
          readinessProbe: {
            httpGet: { path: '/__echo/healthz', port: containerPortOf(d) },
            periodSeconds: 2,
          },
          volumeMounts: [{ name: 'echo', mountPath: echoMount, readOnly: true }],
          resources: { requests: { cpu: '20m', memory: '48Mi' } },
        })),
        volumes: [{ name: 'echo', configMap: { name: echoConfigMap } }],
      }),
    );
  }
  return objects;
}

/** The port (and container) name of a destination: `http` for the first port of a host, `http-alt` for the second. */
function portName(destination: ExternalDestination): string {
  return destination === 'ext-alt' ? 'http-alt' : kube.servicePortName;
}

/** The echo's own port: 8080 as every fixture, 8081 for the second port of ext.example. */
function containerPortOf(destination: ExternalDestination): number {
  return destination === 'ext-alt' ? 8081 : kube.containerPort;
}

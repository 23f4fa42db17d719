import { JWKS_PATH } from '../../../fixtures/jwks/jwks-server.ts';
import type { CallerName, TopologyNames, Version } from '../../model/index.ts';
import { allCallers } from '../../model/index.ts';
import { renderExternalFixtures } from './external-fixtures.ts';
import { type KubeObject, oneReplicaDeployment } from './kube-object.ts';
import { callerAccount, deploymentName, kube, versionServiceName } from './kubernetes-names.ts';

export type { KubeObject } from './kube-object.ts';

/** How a mesh marks the meshed namespace for sidecar injection. */
export interface MeshInjection {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** An extra echo deployment some meshes need, e.g. Linkerd's fault backend answering 503. */
export interface ExtraServer {
  readonly name: string;
  readonly status: number;
}

export interface FixtureOptions {
  readonly runId: string;
  /** The run's namespaces (`clusterNames`). */
  readonly names: TopologyNames;
  readonly nodeImage: string;
  readonly k6Image: string;
  readonly injection: MeshInjection;
  /** How the mesh is told to leave the unmeshed namespace alone (whatever its defaults). */
  readonly optOut: MeshInjection;
  /** File name → content of the echo fixture, mounted from a ConfigMap. */
  readonly echoFiles: Readonly<Record<string, string>>;
  /** Relative path → content of the k6 scripts (e.g. `lib/observation.ts`), mounted into every caller pod. */
  readonly k6Files: Readonly<Record<string, string>>;
  readonly versions: readonly Version[];
  readonly extraServers?: readonly ExtraServer[];
  /** The `jwks` fixture's script (fixtures/jwks/jwks-server.ts): deployed outside the mesh when given. */
  readonly jwksServer?: string;
  /** The key set it serves, JSON (the run issuer's public key; a placeholder in plans). */
  readonly jwks?: string;
}

/** The `jwks` fixture's Deployment and Service, in the namespace outside the mesh (an identity provider is no mesh workload). */
export const jwksFixtureName = 'jwks';
const jwksMount = '/jwks';
/** What a plan shows for the key set: the run generates its issuer's key when it starts. */
export const plannedJwks = JSON.stringify({
  keys: [],
  note: "the run issuer's RSA public key, generated when the run starts",
});

const echoMount = '/echo';
export const k6ScriptsMount = '/scripts';

/** The pod a caller's traffic is sent from (a Deployment of one replica, named after the caller). */
export function callerDeployment(
  caller: CallerName,
  names: TopologyNames,
): { readonly namespace: string; readonly name: string } {
  return { namespace: callerAccount(caller, names).namespace, name: caller };
}

/**
 * The run's two namespaces (pure): labelled with the run id, the meshed one marked for injection
 * and the other one opted out explicitly. Created only when absent, never adopted.
 */
export function renderNamespaces(
  options: Pick<FixtureOptions, 'runId' | 'names' | 'injection' | 'optOut'>,
): KubeObject[] {
  const runLabels = { [kube.runLabel]: options.runId };
  const namespace = (name: string, marks: MeshInjection): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...runLabels, ...marks.labels }, annotations: { ...marks.annotations } },
  });
  return [
    namespace(options.names.meshNamespace, options.injection),
    namespace(options.names.outsideNamespace, options.optOut),
  ];
}

/**
 * Everything a run deploys into its namespaces for the fixture topology (pure): service
 * accounts, the echo fixture on a stock Node image with its script from a ConfigMap, the
 * services, and one long-lived k6 pod per caller identity.
 */
export function renderFixtures(options: FixtureOptions): KubeObject[] {
  const runLabels = { [kube.runLabel]: options.runId };
  const { meshNamespace, outsideNamespace } = options.names;
  const accounts = [
    { namespace: meshNamespace, serviceAccount: kube.serverServiceAccount },
    ...allCallers.map((c) => callerAccount(c, options.names)),
  ].map(
    (a): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: a.serviceAccount, namespace: a.namespace, labels: runLabels },
    }),
  );
  const configMaps: KubeObject[] = [
    configMap('echo-fixture', meshNamespace, options.echoFiles, runLabels),
    configMap('k6-scripts', meshNamespace, flatKeys(options.k6Files), runLabels),
    configMap('k6-scripts', outsideNamespace, flatKeys(options.k6Files), runLabels),
  ];
  const servers = options.versions.map((version) =>
    echoDeployment(
      deploymentName('server', version),
      { app: 'server', [kube.versionLabel]: version },
      version,
      options,
    ),
  );
  const extra = (options.extraServers ?? []).map((s) =>
    echoDeployment(s.name, { app: s.name }, s.name, options, { ECHO_FAIL_STATUS: String(s.status) }),
  );
  const services: KubeObject[] = [
    service('server', meshNamespace, { app: 'server' }, runLabels),
    ...options.versions.map((v) =>
      service(
        versionServiceName('server', v),
        meshNamespace,
        { app: 'server', [kube.versionLabel]: v },
        runLabels,
      ),
    ),
    ...(options.extraServers ?? []).map((s) => service(s.name, meshNamespace, { app: s.name }, runLabels)),
  ];
  const callers = allCallers.map((caller) => callerPod(caller, options));
  return [
    ...accounts,
    ...configMaps,
    ...services,
    ...servers,
    ...extra,
    ...callers,
    ...renderJwksFixture(options),
    ...renderExternalFixtures(options),
  ];
}

/**
 * The `jwks` fixture (pure): the end-user issuer's key set served by fixtures/jwks/jwks-server.ts on
 * a stock Node image, its files from a ConfigMap, behind Service `jwks` (port 80 → 8080), outside
 * the mesh. istiod fetches it from a RequestAuthentication's `jwksUri` (docs/cluster-contract.md J2).
 */
function renderJwksFixture(options: FixtureOptions): KubeObject[] {
  if (options.jwksServer === undefined) return [];
  const runLabels = { [kube.runLabel]: options.runId };
  const namespace = options.names.outsideNamespace;
  const labels = { app: jwksFixtureName };
  const files = { 'jwks-server.ts': options.jwksServer, 'jwks.json': options.jwks ?? plannedJwks };
  return [
    configMap('jwks-fixture', namespace, files, runLabels),
    service(jwksFixtureName, namespace, labels, runLabels),
    oneReplicaDeployment(jwksFixtureName, namespace, labels, runLabels, {
      containers: [
        {
          name: 'jwks',
          image: options.nodeImage,
          command: ['node', `${jwksMount}/jwks-server.ts`],
          env: [
            { name: 'PORT', value: String(kube.containerPort) },
            { name: 'JWKS_FILE', value: `${jwksMount}/jwks.json` },
          ],
          ports: [{ name: kube.servicePortName, containerPort: kube.containerPort }],
          readinessProbe: {
            httpGet: { path: JWKS_PATH, port: kube.containerPort },
            periodSeconds: 2,
          },
          volumeMounts: [{ name: 'jwks', mountPath: jwksMount, readOnly: true }],
          resources: { requests: { cpu: '10m', memory: '32Mi' } },
        },
      ],
      volumes: [{ name: 'jwks', configMap: { name: 'jwks-fixture' } }],
    }),
  ];
}

/** ConfigMap keys cannot contain `/`. */
function configMapKey(path: string): string {
  return path.replaceAll('/', '--');
}

function flatKeys(files: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [configMapKey(path), content]));
}

function configMap(
  name: string,
  namespace: string,
  files: Readonly<Record<string, string>>,
  labels: Record<string, string>,
): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data: { ...files } };
}

function service(
  name: string,
  namespace: string,
  selector: Record<string, string>,
  labels: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: {
      selector,
      ports: [
        {
          name: kube.servicePortName,
          port: kube.servicePort,
          targetPort: kube.containerPort,
          appProtocol: 'http',
        },
      ],
    },
  };
}

function echoDeployment(
  name: string,
  podLabels: Record<string, string>,
  version: string,
  options: FixtureOptions,
  extraEnv: Record<string, string> = {},
): KubeObject {
  const env = [
    { name: 'PORT', value: String(kube.containerPort) },
    { name: 'ECHO_SERVICE', value: podLabels.app ?? name },
    { name: 'ECHO_VERSION', value: version },
    { name: 'ECHO_INSTANCE', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'ECHO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...Object.entries(extraEnv).map(([k, v]) => ({ name: k, value: v })),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.names.meshNamespace, labels: { [kube.runLabel]: options.runId } },
    spec: {
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: kube.serverServiceAccount,
          containers: [
            {
              name: 'echo',
              image: options.nodeImage,
              command: ['node', `${echoMount}/echo-server.ts`],
              env,
              ports: [{ name: kube.servicePortName, containerPort: kube.containerPort }],
              readinessProbe: {
                httpGet: { path: '/__echo/healthz', port: kube.containerPort },
                periodSeconds: 2,
              },
              volumeMounts: [{ name: 'echo', mountPath: echoMount, readOnly: true }],
              resources: { requests: { cpu: '50m', memory: '64Mi' } },
            },
          ],
          volumes: [{ name: 'echo', configMap: { name: 'echo-fixture' } }],
        },
      },
    },
  };
}

function callerPod(caller: CallerName, options: FixtureOptions): KubeObject {
  const { namespace, serviceAccount } = callerAccount(caller, options.names);
  const labels = { app: caller };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: caller, namespace, labels: { [kube.runLabel]: options.runId } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [
            {
              name: 'k6',
              image: options.k6Image,
              // Kept alive; every check runs `k6 run` inside it, so the caller's sidecar is on the path.
              command: ['sh', '-c', 'trap : TERM INT; sleep infinity & wait'],
              volumeMounts: [{ name: 'scripts', mountPath: k6ScriptsMount, readOnly: true }],
              resources: { requests: { cpu: '100m', memory: '64Mi' } },
            },
          ],
          volumes: [
            {
              name: 'scripts',
              configMap: {
                name: 'k6-scripts',
                // ConfigMap keys are flat; items put each script back at its relative path.
                items: Object.keys(options.k6Files).map((path) => ({ key: configMapKey(path), path })),
              },
            },
          ],
        },
      },
    },
  };
}

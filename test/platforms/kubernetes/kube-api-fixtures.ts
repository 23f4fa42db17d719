/**
 * A fake Kubernetes API server for tests (not product code): an in-memory object store behind the
 * REST paths @kubernetes/client-node calls (discovery, get/list/create/apply/delete with uid
 * preconditions, label selectors), `/version`, the pod proxy, and the exec websocket (channel
 * protocol v4) with scripted behaviour, so that the cluster path runs against a real HTTP and
 * websocket peer.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';

interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

const kinds: readonly KindInfo[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    plural: 'mutatingwebhookconfigurations',
    namespaced: false,
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    plural: 'virtualservices',
    namespaced: true,
  },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    plural: 'peerauthentications',
    namespaced: true,
  },
];

/** An object as stored: plain JSON with metadata.uid. */
export type StoredObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [key: string]: unknown;
};

/** What an exec request does: answer (with output and exit code), drop the connection, or hang. */
export type ExecBehaviour =
  | {
      readonly kind: 'answer';
      readonly stdout?: string;
      readonly stderr?: string;
      readonly exitCode?: number;
      /** Answer only after this long (a command that runs for a while, e.g. a k6 window). */
      readonly delayMs?: number;
    }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hang' };

export interface FakeKubeApi extends AsyncDisposable {
  readonly url: string;
  /** A kubeconfig for this server; extra contexts carry the given secrets (never to be written anywhere). */
  kubeconfig(options?: { readonly otherContextSecret?: string; readonly token?: string }): string;
  /** Every request seen: method, path (with query), and the body of writes. */
  readonly requests: { method: string; path: string; body?: string }[];
  add(object: StoredObject): StoredObject;
  objects(kind: string): StoredObject[];
  /** How exec requests are answered, by command (argv[0] and argv[1] joined) or for all. */
  onExec: (command: readonly string[], pod: string) => ExecBehaviour;
  /** The items of the metrics API's PodMetricsList of a namespace (metrics.k8s.io/v1beta1), read at each request. */
  onPodMetrics: (namespace: string) => unknown[];
  /** The body of GET pods/<name>:<port>/proxy/<path>. */
  onPodProxy: (pod: string, port: string, path: string) => { status: number; body: string };
  /**
   * Sidecars an injection webhook would add to a Deployment's pod in this namespace (none: no
   * webhook). Applied Deployments roll out at once, with one serving pod each.
   */
  sidecars: (namespace: string) => string[];
}

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

function matches(object: StoredObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    const labels = object.metadata.labels ?? {};
    return value === undefined ? key !== undefined && key in labels : labels[key ?? ''] === value;
  });
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

/** Starts the fake API on 127.0.0.1 (a free port). */
export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const store = new Map<string, StoredObject>();
  const key = (kind: string, namespace: string | undefined, name: string) =>
    `${kind}/${namespace ?? ''}/${name}`;
  const sockets = new Set<Socket>();
  const api: FakeKubeApi = {
    url: '',
    requests: [],
    kubeconfig: () => '',
    add(object) {
      const stored = { ...object, metadata: { uid: randomUUID(), ...object.metadata } };
      store.set(key(object.kind, object.metadata.namespace, object.metadata.name), stored);
      return stored;
    },
    objects: (kind) => [...store.values()].filter((o) => o.kind === kind),
    onExec: () => ({ kind: 'answer', stdout: '', exitCode: 0 }),
    onPodProxy: () => ({ status: 404, body: 'not found' }),
    onPodMetrics: () => [],
    sidecars: () => [],
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };

  const rollOut = (deployment: StoredObject) => {
    const spec = deployment.spec as {
      replicas?: number;
      template?: {
        metadata?: { labels?: Record<string, string> };
        spec?: { containers?: { name: string }[] };
      };
    };
    const replicas = spec.replicas ?? 1;
    deployment.status = { readyReplicas: replicas, updatedReplicas: replicas };
    const namespace = deployment.metadata.namespace ?? 'default';
    api.add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${deployment.metadata.name}-5f7c9`,
        namespace,
        labels: { ...(spec.template?.metadata?.labels ?? {}) },
      },
      spec: {
        containers: [
          ...(spec.template?.spec?.containers ?? []),
          ...api.sidecars(namespace).map((name) => ({ name })),
        ],
      },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    api.requests.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}` });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (url.pathname === '/version')
      return json(res, 200, { major: '1', minor: '36', gitVersion: 'v1.36.3+k3s1' });
    const podMetrics = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (podMetrics) {
      return json(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items: api.onPodMetrics(decodeURIComponent(podMetrics[1] ?? '')),
      });
    }
    // Discovery.
    const group = parts[0] === 'api' ? 'v1' : `${parts[1]}/${parts[2]}`;
    const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
    if (rest.length === 0) {
      return json(res, 200, {
        kind: 'APIResourceList',
        groupVersion: group,
        resources: kinds
          .filter((k) => k.apiVersion === group)
          .map((k) => ({ name: k.plural, kind: k.kind, namespaced: k.namespaced, verbs: ['get', 'list'] })),
      });
    }
    let namespace: string | undefined;
    let path = rest;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      path = rest.slice(2);
    }
    const [plural, name, sub, ...subPath] = path;
    if (plural === 'pods' && sub === 'proxy' && name) {
      const [pod, port] = name.split(':');
      const answer = api.onPodProxy(pod ?? '', port ?? '', `/${subPath.join('/')}`);
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      return res.end(answer.body);
    }
    if (plural === 'pods' && sub === 'log') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('log lines');
    }
    const info = kinds.find((k) => k.apiVersion === group && k.plural === plural);
    if (!info) return json(res, 404, status(404, 'NotFound', `the server could not find ${url.pathname}`));
    const body = ['POST', 'PATCH', 'DELETE'].includes(req.method ?? '') ? await bodyOf(req) : '';
    const seen = api.requests.at(-1);
    if (seen && body) seen.body = body;
    if (!name) {
      if (req.method === 'POST') {
        const object = JSON.parse(body) as StoredObject;
        const k = key(info.kind, namespace ?? object.metadata.namespace, object.metadata.name);
        if (store.has(k))
          return json(
            res,
            409,
            status(409, 'AlreadyExists', `${plural} "${object.metadata.name}" already exists`),
          );
        return json(
          res,
          201,
          api.add({ ...object, metadata: { ...object.metadata, ...(namespace ? { namespace } : {}) } }),
        );
      }
      const items = [...store.values()].filter(
        (o) =>
          o.kind === info.kind &&
          (!namespace || o.metadata.namespace === namespace) &&
          matches(o, url.searchParams.get('labelSelector')),
      );
      return json(res, 200, { kind: `${info.kind}List`, apiVersion: info.apiVersion, metadata: {}, items });
    }
    const k = key(info.kind, namespace, name);
    const current = store.get(k);
    if (req.method === 'PATCH') {
      const patch = (parseYaml(body) ?? {}) as StoredObject;
      const merged = {
        ...(current ?? {}),
        ...patch,
        metadata: { ...(current?.metadata ?? {}), ...patch.metadata },
      } as StoredObject;
      if (merged.kind === 'Deployment') rollOut(merged);
      if (!current) return json(res, 201, api.add(merged));
      store.set(k, merged);
      return json(res, 200, merged);
    }
    if (!current) return json(res, 404, status(404, 'NotFound', `${plural} "${name}" not found`));
    if (req.method === 'DELETE') {
      const options = body ? (JSON.parse(body) as { preconditions?: { uid?: string } }) : {};
      if (options.preconditions?.uid && options.preconditions.uid !== current.metadata.uid) {
        return json(
          res,
          409,
          status(409, 'Conflict', 'Precondition failed: UID in precondition does not match'),
        );
      }
      store.delete(k);
      return json(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
    }
    return json(res, 200, current);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', async (req, socket: Socket) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    api.requests.push({ method: 'EXEC', path: `${url.pathname}${url.search}` });
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n`,
    );
    // /api/v1/namespaces/<ns>/pods/<pod>/exec
    const segments = url.pathname.split('/');
    const pod = segments[segments.indexOf('pods') + 1] ?? '';
    const behaviour = api.onExec(url.searchParams.getAll('command'), pod);
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'drop') {
      setTimeout(() => socket.destroy(), 20);
      return;
    }
    const frame = (channel: number, text: string) => {
      const payload = Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
      const long = Buffer.alloc(10);
      long.writeUInt8(0x82, 0);
      long.writeUInt8(127, 1);
      long.writeBigUInt64BE(BigInt(payload.length), 2);
      const header =
        payload.length < 126
          ? Buffer.from([0x82, payload.length])
          : payload.length < 65_536
            ? Buffer.from([0x82, 126, payload.length >> 8, payload.length & 0xff])
            : long;
      socket.write(Buffer.concat([header, payload]));
    };
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.stdout) frame(1, behaviour.stdout);
    if (behaviour.stderr) frame(2, behaviour.stderr);
    const exitCode = behaviour.exitCode ?? 0;
    frame(
      3,
      JSON.stringify(
        exitCode === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
            },
      ),
    );
    socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  Object.assign(api, {
    url,
    kubeconfig: (options: { otherContextSecret?: string; token?: string } = {}) =>
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster: {server: '${url}', insecure-skip-tls-verify: true}`,
        "- name: other\n  cluster: {server: 'https://other.example:6443'}",
        'users:',
        `- name: tester\n  user: {token: '${options.token ?? 'fake-token'}'}`,
        `- name: other-admin\n  user: {token: '${options.otherContextSecret ?? 'other-token'}', client-key-data: '${Buffer.from(options.otherContextSecret ?? 'other-key').toString('base64')}'}`,
        'contexts:',
        '- name: test\n  context: {cluster: fake, user: tester}',
        '- name: prod\n  context: {cluster: other, user: other-admin}',
        'current-context: prod',
        '',
      ].join('\n'),
  });
  return api;
}

import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Pod,
  type V1Status,
  VersionApi,
} from '@kubernetes/client-node';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import { clusterWaits } from '../../model/index.ts';
import type { KubeObject } from './render-fixtures.ts';

/** Field manager of the fixtures; a check's resources use their own (see `checkFieldManager`). */
export const fieldManager = 'meshproof';
/**
 * A check's resources are applied by their own field manager, so that withdrawing a patch of a
 * fixture object (Linkerd's annotations on the server Service) removes only what the check set.
 */
export const checkFieldManager = 'meshproof-check';

/** Kinds whose controller reports acceptance in `status` before proxies act on them. */
const acceptedKinds = new Set(['HTTPRoute', 'HTTPLocalRateLimitPolicy']);

/**
 * Rejections that only mean "not yet": Linkerd's policy controller writes NoMatchingParent until it
 * sees the route's Server (or Service), and NoMatchingTarget until it sees a rate limit's Server
 * (linkerd2 `policy-controller/k8s/status/src/index.rs`). Resources are applied in order, so the
 * Server may arrive a moment after its routes.
 */
const notYetReasons = new Set(['NoMatchingParent', 'NoMatchingTarget']);

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * Accepted (true), rejected (the reason), or not yet decided (undefined), from an object's status.
 * A rejection whose reason only says that the parent or target is not known yet is undecided.
 */
export function acceptance(status: unknown): true | string | undefined {
  const s = status as { parents?: { conditions?: Condition[] }[]; conditions?: Condition[] } | undefined;
  const conditions = [...(s?.parents ?? []).flatMap((p) => p.conditions ?? []), ...(s?.conditions ?? [])];
  const accepted = conditions.filter((c) => c.type === 'Accepted');
  const rejected = accepted.find((c) => c.status === 'False');
  if (rejected) {
    if (notYetReasons.has(rejected.reason ?? '')) return undefined;
    return `${rejected.reason ?? 'rejected'}: ${rejected.message ?? ''}`.trim();
  }
  return accepted.some((c) => c.status === 'True') ? true : undefined;
}

/** The API's answer to a failed call: its HTTP status, when it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A pod that takes traffic now: running, every container ready, and not being deleted. */
export function podIsServing(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.status?.phase !== 'Running') return false;
  return (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The names of a pod's containers, native sidecars (init containers that keep running) included. */
export function containerNames(pod: V1Pod): string[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars].map((c) => c.name);
}

/**
 * Why a kubeconfig cannot be read, without quoting it: the YAML parser's message carries a code
 * frame of the offending lines, which may be a `token:` or `client-key-data:` line.
 */
function kubeconfigProblem(cause: unknown, where: string): string {
  const mark = (cause as { mark?: { line?: number; column?: number } }).mark;
  if ((cause as { name?: string }).name === 'YAMLException' && mark) {
    return `${where} is not valid YAML (line ${(mark.line ?? 0) + 1}, column ${(mark.column ?? 0) + 1}); fix it or point KUBECONFIG at another file`;
  }
  if ((cause as { code?: string }).code === 'ENOENT')
    return `${where} does not exist; point KUBECONFIG at a kubeconfig`;
  return `${where} cannot be read as a kubeconfig; check it with \`kubectl config view\``;
}

/** The cluster operations the harness needs, over @kubernetes/client-node. */
export class KubeClient {
  readonly config: KubeConfig;
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;
  readonly #crds: ApiextensionsV1Api;

  constructor(config: KubeConfig) {
    this.config = config;
    this.#objects = KubernetesObjectApi.makeApiClient(config);
    this.#core = config.makeApiClient(CoreV1Api);
    this.#apps = config.makeApiClient(AppsV1Api);
    this.#crds = config.makeApiClient(ApiextensionsV1Api);
  }

  /**
   * A kubeconfig's named context, with only that context kept (its cluster and user): the rest
   * of the file, other contexts' credentials included, is never held or written. Refuses to
   * guess a context.
   */
  static fromKubeconfig(context: string | undefined, kubeconfigPath?: string): KubeClient {
    if (!context) {
      throw new MeshproofError(
        'MESHPROOF_BAD_FLAG',
        'an existing cluster is only used with an explicitly named context: add --context NAME (see `kubectl config get-contexts`)',
      );
    }
    const full = new KubeConfig();
    const where =
      kubeconfigPath ?? (process.env.KUBECONFIG ? 'the kubeconfig in KUBECONFIG' : '~/.kube/config');
    try {
      if (kubeconfigPath) full.loadFromFile(kubeconfigPath);
      else full.loadFromDefault();
    } catch (cause) {
      // The cause is not kept: its message and stack quote the file.
      throw new MeshproofError(
        'MESHPROOF_CLUSTER_UNREACHABLE',
        `cannot use the kubeconfig: ${kubeconfigProblem(cause, where)}`,
      );
    }
    const chosen = full.getContexts().find((c) => c.name === context);
    if (!chosen) {
      throw new MeshproofError(
        'MESHPROOF_UNKNOWN_CONTEXT',
        `context "${context}" is not in the kubeconfig; known: ${
          full
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      );
    }
    const cluster = full.getCluster(chosen.cluster);
    const user = full.getUser(chosen.user);
    if (!cluster) {
      throw new MeshproofError(
        'MESHPROOF_UNKNOWN_CONTEXT',
        `context "${context}" names cluster "${chosen.cluster}", which the kubeconfig does not define`,
      );
    }
    const minified = new KubeConfig();
    minified.loadFromOptions({
      clusters: [cluster],
      users: user ? [user] : [],
      contexts: [chosen],
      currentContext: chosen.name,
    });
    return new KubeClient(minified);
  }

  /** The cluster from a kubeconfig text (an ephemeral k3s). */
  static fromString(kubeconfig: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    return new KubeClient(config);
  }

  /** The kubeconfig of exactly this client's context, for the CLIs (kubectl, istioctl, linkerd). */
  exportKubeconfig(): string {
    return this.config.exportConfig();
  }

  /** The server's Kubernetes version, or a coded error when it does not answer. */
  async serverVersion(): Promise<string> {
    try {
      const info = await this.config.makeApiClient(VersionApi).getCode();
      return info.gitVersion;
    } catch (cause) {
      throw new MeshproofError(
        'MESHPROOF_CLUSTER_UNREACHABLE',
        `the cluster of context "${this.config.getCurrentContext()}" does not answer (${(cause as Error).message}); check the context, VPN and credentials`,
        { cause },
      );
    }
  }

  /** Server-side apply, in order (namespaces before what lives in them). */
  async apply(objects: readonly KubeObject[], manager = fieldManager): Promise<void> {
    for (const object of objects) {
      try {
        await this.#objects.patch(
          object as never,
          undefined,
          undefined,
          manager,
          true,
          PatchStrategy.ServerSideApply,
        );
      } catch (cause) {
        throw this.#failure('apply', object, cause);
      }
    }
  }

  /**
   * Creates objects that must not exist yet (a run's namespaces): an existing one is never adopted.
   * Returns each created object's uid, so that exactly it (and no namesake made later) is deleted.
   */
  async createAbsent(objects: readonly KubeObject[]): Promise<{ object: KubeObject; uid: string }[]> {
    const created: { object: KubeObject; uid: string }[] = [];
    for (const object of objects) {
      try {
        const result = (await this.#objects.create(object as never, undefined, undefined, fieldManager)) as {
          metadata?: { uid?: string };
        };
        created.push({ object, uid: result.metadata?.uid ?? '' });
      } catch (cause) {
        if (statusOf(cause) === 409) {
          throw Object.assign(
            new MeshproofError(
              'MESHPROOF_NAMESPACE_EXISTS',
              `${object.kind} ${object.metadata.name} already exists: meshproof never adopts what it did not create; delete it or let the run pick a new id`,
            ),
            { created },
          );
        }
        throw Object.assign(this.#failure('create', object, cause), { created });
      }
    }
    return created;
  }

  #failure(verb: string, object: KubeObject, cause: unknown): Error {
    if (statusOf(cause) === 403) {
      return new MeshproofError(
        'MESHPROOF_FORBIDDEN',
        `not allowed to ${verb} ${object.kind} ${object.metadata.name}: the context needs rights to create namespaces, workloads and the mesh's policy resources`,
        { cause },
      );
    }
    return new Error(
      `${verb} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} failed: ${(cause as Error).message}`,
      { cause },
    );
  }

  /**
   * Waits until the controllers have accepted the routes and policies among these objects (Linkerd
   * acts on an HTTPRoute only then). A final rejection is an error naming the reason; "not yet"
   * (no matching parent or target) is waited out; no decision within the timeout is left to the
   * check's convergence probe.
   */
  async waitForAcceptance(objects: readonly KubeObject[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const object of objects.filter((o) => acceptedKinds.has(o.kind))) {
      while (Date.now() < deadline) {
        const current = (await this.#objects.read(object as never)) as { status?: unknown };
        const state = acceptance(current.status);
        if (state === true) break;
        if (typeof state === 'string') {
          throw new Error(`${object.kind} ${object.metadata.name} was not accepted: ${state}`);
        }
        await sleep(clusterWaits.pollMs / 2);
      }
    }
  }

  /** Deletes these objects, ignoring those already gone. */
  async delete(objects: readonly KubeObject[]): Promise<void> {
    for (const object of [...objects].reverse()) {
      await this.#objects.delete(object as never).catch((cause: unknown) => {
        if (statusOf(cause) !== 404) throw cause;
      });
    }
  }

  /**
   * Deletes one object only if it is still the one this run created (its uid), foreground, so
   * that what it owns goes first. Gone already: nothing to do.
   */
  async deleteExactly(object: KubeObject, uid: string): Promise<void> {
    await this.#objects
      .delete(object as never, undefined, undefined, undefined, undefined, 'Foreground', {
        preconditions: { uid },
      })
      .catch((cause: unknown) => {
        const status = statusOf(cause);
        // 404: gone; 409: a namesake someone else created since, which is not ours to delete.
        if (status !== 404 && status !== 409) throw cause;
      });
  }

  /** An object as the API server has it now (status included), or undefined when it does not exist. */
  async read(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<KubeObject | undefined> {
    try {
      return (await this.#objects.read(object as never)) as unknown as KubeObject;
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw cause;
    }
  }

  /** An object's uid, or undefined when it does not exist. */
  async uid(object: KubeObject): Promise<string | undefined> {
    try {
      const current = (await this.#objects.read(object as never)) as { metadata?: { uid?: string } };
      return current.metadata?.uid;
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw cause;
    }
  }

  /** Objects of a kind (cluster-wide for cluster-scoped kinds, else in every namespace). */
  async list(apiVersion: string, kind: string, labelSelector?: string): Promise<KubeObject[]> {
    try {
      const list = await this.#objects.list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        labelSelector,
      );
      return list.items as unknown as KubeObject[];
    } catch (cause) {
      // The kind is not served here (its CRD is absent): none. client-node finds the resource by
      // API discovery first and throws "Unrecognized API version and kind" for a group the cluster
      // does not serve at all (e.g. no Gateway API CRDs).
      if (
        statusOf(cause) === 404 ||
        /Unrecognized API version and kind/.test(String((cause as Error).message))
      )
        return [];
      throw cause;
    }
  }

  /** Waits until every Deployment has all replicas updated and ready, or the named timeout ends. */
  async waitForRollout(
    deployments: readonly { namespace: string; name: string }[],
    timeoutMs: number,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const { namespace, name } of deployments) {
      for (;;) {
        const d = await this.#apps.readNamespacedDeployment({ name, namespace });
        const want = d.spec?.replicas ?? 1;
        if ((d.status?.readyReplicas ?? 0) >= want && (d.status?.updatedReplicas ?? 0) >= want) break;
        if (Date.now() > deadline) {
          throw new Error(
            `deployment ${namespace}/${name} not ready within ${timeoutMs} ms (${d.status?.readyReplicas ?? 0}/${want} ready)`,
          );
        }
        await sleep(clusterWaits.pollMs);
      }
    }
  }

  /** Deployments matching a label selector in every namespace. */
  async deployments(
    labelSelector: string,
  ): Promise<{ namespace: string; name: string; labels: Record<string, string> }[]> {
    const list = await this.#apps.listDeploymentForAllNamespaces({ labelSelector });
    return list.items.map((d) => ({
      namespace: d.metadata?.namespace ?? '',
      name: d.metadata?.name ?? '',
      labels: d.metadata?.labels ?? {},
    }));
  }

  /** A CustomResourceDefinition's served versions and annotations, or undefined when it is absent. */
  async crd(
    name: string,
  ): Promise<{ served: string[]; annotations: Record<string, string>; uid: string } | undefined> {
    try {
      const crd = await this.#crds.readCustomResourceDefinition({ name });
      return {
        served: crd.spec.versions.filter((v) => v.served).map((v) => v.name),
        annotations: crd.metadata?.annotations ?? {},
        uid: crd.metadata?.uid ?? '',
      };
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw cause;
    }
  }

  /** Names of every CRD of an API group suffix (e.g. `istio.io`). */
  async crdNames(groupSuffix: string): Promise<string[]> {
    const list = await this.#crds.listCustomResourceDefinition();
    return list.items
      .filter((c) => c.spec.group === groupSuffix || c.spec.group.endsWith(`.${groupSuffix}`))
      .map((c) => c.metadata?.name ?? '');
  }

  /** Names of the namespaces matching a label selector. */
  async namespaces(labelSelector: string): Promise<string[]> {
    const list = await this.#core.listNamespace({ labelSelector });
    return list.items.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : []));
  }

  /** A ConfigMap's data, or undefined when it does not exist. */
  async configMap(namespace: string, name: string): Promise<Record<string, string> | undefined> {
    try {
      return (await this.#core.readNamespacedConfigMap({ name, namespace })).data ?? {};
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw cause;
    }
  }

  /** The pods matching a label selector. */
  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.#core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  /** Names of the pods that serve now (running, ready, not being deleted) matching a label selector. */
  async podNames(namespace: string, labelSelector: string): Promise<string[]> {
    return (await this.pods(namespace, labelSelector))
      .filter(podIsServing)
      .flatMap((p) => (p.metadata?.name ? [p.metadata.name] : []));
  }

  /** GET a path of a pod's port through the API server's pod proxy (e.g. istiod's `:15014/version`). */
  async podProxyGet(namespace: string, pod: string, port: number, path: string): Promise<string> {
    return this.#core.connectGetNamespacedPodProxyWithPath({
      name: `${pod}:${port}`,
      namespace,
      path: path.replace(/^\//, ''),
    });
  }

  /**
   * Runs a command in a container and collects its output (no TTY). client-node's exec stream has
   * no deadline and no close handler (a dropped connection would wait forever): the promise here
   * rejects when the stream closes or fails before the command's status arrives, and when the
   * deadline passes (the stream is then terminated).
   */
  async exec(
    namespace: string,
    pod: string,
    container: string,
    argv: readonly string[],
    deadlineMs: number,
  ): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c) => {
      out += c;
    });
    stderr.on('data', (c) => {
      err += c;
    });
    const what = `exec in ${namespace}/${pod} (${container}): ${argv[0] ?? ''}`;
    const status = await new Promise<V1Status>((resolve, reject) => {
      let settled = false;
      let socket: { terminate?: () => void; close: () => void } | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const timer = setTimeout(() => {
        settle(() => reject(new Error(`${what} did not finish within ${deadlineMs} ms`)));
        (socket?.terminate ?? socket?.close)?.call(socket);
      }, deadlineMs);
      new Exec(this.config)
        .exec(namespace, pod, container, [...argv], stdout, stderr, null, false, (s) =>
          settle(() => resolve(s)),
        )
        .then((ws) => {
          socket = ws;
          if (settled) ws.close();
          ws.on('close', (code: number) =>
            settle(() =>
              reject(new Error(`${what}: the stream closed (${code}) before the command's status arrived`)),
            ),
          );
          ws.on('error', (e: Error) => settle(() => reject(new Error(`${what}: ${e.message}`))));
        })
        .catch((e: Error) => settle(() => reject(new Error(`${what}: ${e.message}`))));
    });
    const exitCode =
      status.status === 'Success'
        ? 0
        : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
    return { stdout: out, stderr: err, exitCode };
  }

  /** The last lines a container logged (for diagnostics). */
  async logs(namespace: string, pod: string, container: string, tailLines = 100): Promise<string> {
    return this.#core
      .readNamespacedPodLog({ name: pod, namespace, container, tailLines })
      .catch((e: Error) => `(no logs: ${e.message})`);
  }

  /** Waits until none of these namespaces exists any more, or the timeout ends. */
  async waitForNamespacesGone(names: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const name of names) {
      while (Date.now() < deadline) {
        const gone = await this.#core.readNamespace({ name }).then(
          () => false,
          (cause: unknown) => statusOf(cause) === 404,
        );
        if (gone) break;
        await sleep(clusterWaits.pollMs);
      }
    }
  }
}

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
  type V1Status,
  VersionApi,
} from '@kubernetes/client-node';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { KubeObject } from './render-fixtures.ts';

/** Field manager of the fixtures; a check's resources use their own (see `checkFieldManager`). */
const fieldManager = 'meshproof';
/**
 * A check's resources are applied by their own field manager, so that withdrawing a patch of a
 * fixture object (Linkerd's annotations on the server Service) removes only what the check set.
 */
export const checkFieldManager = 'meshproof-check';

/** Kinds whose controller reports acceptance in `status` before proxies act on them. */
const acceptedKinds = new Set(['HTTPRoute', 'HTTPLocalRateLimitPolicy']);

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** Accepted (true), rejected (the reason), or not yet decided (undefined), from an object's status. */
export function acceptance(status: unknown): true | string | undefined {
  const s = status as { parents?: { conditions?: Condition[] }[]; conditions?: Condition[] } | undefined;
  const conditions = [...(s?.parents ?? []).flatMap((p) => p.conditions ?? []), ...(s?.conditions ?? [])];
  const accepted = conditions.filter((c) => c.type === 'Accepted');
  if (accepted.some((c) => c.status === 'False')) {
    const c = accepted.find((x) => x.status === 'False');
    return `${c?.reason ?? 'rejected'}: ${c?.message ?? ''}`.trim();
  }
  return accepted.some((c) => c.status === 'True') ? true : undefined;
}

/** The cluster operations the harness needs, over @kubernetes/client-node. */
export class KubeClient {
  readonly config: KubeConfig;
  readonly #objects: KubernetesObjectApi;
  readonly #core: CoreV1Api;
  readonly #apps: AppsV1Api;

  constructor(config: KubeConfig) {
    this.config = config;
    this.#objects = KubernetesObjectApi.makeApiClient(config);
    this.#core = config.makeApiClient(CoreV1Api);
    this.#apps = config.makeApiClient(AppsV1Api);
  }

  /** A kubeconfig's named context; refuses to guess one. */
  static fromKubeconfig(context: string | undefined, kubeconfigPath?: string): KubeClient {
    if (!context) {
      throw new MeshproofError(
        'MESHPROOF_BAD_FLAG',
        'an existing cluster is only used with an explicitly named context: add --context NAME (see `kubectl config get-contexts`)',
      );
    }
    const config = new KubeConfig();
    try {
      if (kubeconfigPath) config.loadFromFile(kubeconfigPath);
      else config.loadFromDefault();
    } catch (cause) {
      throw new MeshproofError(
        'MESHPROOF_CLUSTER_UNREACHABLE',
        `cannot read the kubeconfig: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    if (!config.getContexts().some((c) => c.name === context)) {
      throw new MeshproofError(
        'MESHPROOF_UNKNOWN_CONTEXT',
        `context "${context}" is not in the kubeconfig; known: ${
          config
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      );
    }
    config.setCurrentContext(context);
    return new KubeClient(config);
  }

  /** The cluster from a kubeconfig text (an ephemeral k3s). */
  static fromString(kubeconfig: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromString(kubeconfig);
    return new KubeClient(config);
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
        const status = (cause as { code?: number }).code;
        if (status === 403) {
          throw new MeshproofError(
            'MESHPROOF_FORBIDDEN',
            `not allowed to apply ${object.kind} ${object.metadata.name}: the context needs rights to create namespaces, workloads and the mesh's policy resources`,
            { cause },
          );
        }
        throw new Error(
          `applying ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name} failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
  }

  /**
   * Waits until the controllers have accepted the routes and policies among these objects (Linkerd
   * acts on an HTTPRoute only then). A rejection is an error naming the reason; no decision
   * within the timeout is left to the check's convergence probe.
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
        await sleep(500);
      }
    }
  }

  /** Deletes these objects, ignoring those already gone. */
  async delete(objects: readonly KubeObject[]): Promise<void> {
    for (const object of [...objects].reverse()) {
      await this.#objects.delete(object as never).catch((cause: { code?: number }) => {
        if (cause.code !== 404) throw cause;
      });
    }
  }

  /** Deletes exactly the namespaces carrying this run's label, and waits until they are gone. */
  async deleteRunNamespaces(runLabel: string, runId: string, timeoutMs: number): Promise<void> {
    const selector = `${runLabel}=${runId}`;
    const list = await this.#core.listNamespace({ labelSelector: selector });
    for (const ns of list.items) {
      const name = ns.metadata?.name;
      if (name) await this.#core.deleteNamespace({ name }).catch(() => undefined);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.#core.listNamespace({ labelSelector: selector })).items.length === 0) return;
      await sleep(1_000);
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
        await sleep(1_000);
      }
    }
  }

  /** The image of a Deployment's first container, or undefined when the Deployment does not exist. */
  async deploymentImage(namespace: string, name: string): Promise<string | undefined> {
    try {
      const d = await this.#apps.readNamespacedDeployment({ name, namespace });
      return d.spec?.template.spec?.containers[0]?.image;
    } catch (cause) {
      if ((cause as { code?: number }).code === 404) return undefined;
      throw cause;
    }
  }

  /** Whether a CustomResourceDefinition is installed, e.g. `httproutes.gateway.networking.k8s.io`. */
  async crdExists(name: string): Promise<boolean> {
    try {
      await this.config.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name });
      return true;
    } catch (cause) {
      if ((cause as { code?: number }).code === 404) return false;
      throw cause;
    }
  }

  /** Names of the running pods matching a label selector. */
  async podNames(namespace: string, labelSelector: string): Promise<string[]> {
    const list = await this.#core.listNamespacedPod({
      namespace,
      labelSelector,
      fieldSelector: 'status.phase=Running',
    });
    return list.items.flatMap((p) => (p.metadata?.name ? [p.metadata.name] : []));
  }

  /** Runs a command in a container and collects its output (no TTY). */
  async exec(
    namespace: string,
    pod: string,
    container: string,
    argv: readonly string[],
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
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(this.config)
        .exec(namespace, pod, container, [...argv], stdout, stderr, null, false, resolve)
        .catch(reject);
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
}

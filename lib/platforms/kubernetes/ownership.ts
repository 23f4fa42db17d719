import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterWaits } from '../../model/index.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject } from './render-fixtures.ts';

/** One object this run created on a cluster, with the uid it got: exactly that object is removed. */
export interface OwnedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly uid: string;
}

/** The run's records of what it created, one JSON line each, in the run's work directory. */
export const ownedFileNames = { run: 'owned-run.jsonl', mesh: 'owned-mesh.jsonl' } as const;

/** A reference to an owned object, as the API client takes it. */
function refOf(owned: OwnedObject): KubeObject {
  return {
    apiVersion: owned.apiVersion,
    kind: owned.kind,
    metadata: { name: owned.name, ...(owned.namespace ? { namespace: owned.namespace } : {}) },
  };
}

/**
 * What a run created on a cluster, recorded as it is created (so that a run stopped half-way
 * still knows) and removed in reverse order at the end, each object only if it still has the uid
 * the run saw: an object of the same name made by someone else since is never touched. A CRD is
 * removed only once no custom resource of it is left (deleting it would delete them all).
 */
export class Ownership {
  readonly #file: string;

  constructor(workDir: string, record: keyof typeof ownedFileNames) {
    this.#file = join(workDir, ownedFileNames[record]);
  }

  /** Records created objects; called right after each creation. */
  record(objects: readonly OwnedObject[]): void {
    for (const object of objects) appendFileSync(this.#file, `${JSON.stringify(object)}\n`, { mode: 0o600 });
  }

  /** Everything recorded, in creation order. */
  owned(): OwnedObject[] {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as OwnedObject);
  }

  /**
   * Deletes what was recorded, newest first. Returns what was kept and why (a CRD still in use),
   * so that the caller can say it; never throws for one object: every other one is still tried.
   */
  async release(
    client: KubeClient,
    log: (line: string) => void,
    waitMs: number = clusterWaits.meshReadinessMs,
  ): Promise<string[]> {
    const kept: string[] = [];
    const namespaces: string[] = [];
    for (const owned of this.owned().reverse()) {
      const label = `${owned.kind} ${owned.namespace ? `${owned.namespace}/` : ''}${owned.name}`;
      try {
        if (owned.kind === 'CustomResourceDefinition') {
          const inUse = await customResourcesLeft(client, owned.name);
          if (inUse > 0) {
            kept.push(`${label}: ${inUse} resource(s) of it exist that this run did not create`);
            continue;
          }
        }
        await client.deleteExactly(refOf(owned), owned.uid);
        if (owned.kind === 'Namespace') namespaces.push(owned.name);
      } catch (error) {
        kept.push(`${label}: ${(error as Error).message}`);
      }
    }
    // A namespace goes with everything in it; the run ends only once that happened.
    await client
      .waitForNamespacesGone(namespaces, waitMs)
      .catch((e: Error) => kept.push(`namespaces: ${e.message}`));
    for (const line of kept) log(`left on the cluster: ${line}`);
    return kept;
  }
}

/** How many custom resources of a CRD exist (0 when it is gone or serves nothing). */
async function customResourcesLeft(client: KubeClient, crdName: string): Promise<number> {
  const crd = (await client.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition')).find(
    (c) => c.metadata.name === crdName,
  ) as
    | (KubeObject & {
        spec?: { group?: string; names?: { kind?: string }; versions?: { name: string; served: boolean }[] };
      })
    | undefined;
  const group = crd?.spec?.group;
  const kind = crd?.spec?.names?.kind;
  const version = crd?.spec?.versions?.find((v) => v.served)?.name;
  if (!group || !kind || !version) return 0;
  return (await client.list(`${group}/${version}`, kind)).length;
}

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { RenderedResource } from '../../model/index.ts';
import { runStep, type StepPlace } from './cli-steps.ts';
import type { KubeClient } from './kube-client.ts';
import type { ExecTarget, LiveStep } from './live-steps.ts';
import type { Ownership } from './ownership.ts';
import type { KubeObject } from './render-fixtures.ts';

/** What the live interpreter of steps needs: the cluster, the CLIs' place, the ownership record. */
export interface LiveContext {
  readonly client: KubeClient;
  readonly place: StepPlace;
  /** What the run created: its own objects, and (on a cluster it did not create) the mesh it installed. */
  readonly ownership: { readonly run: Ownership; readonly mesh: Ownership };
  /** Default timeout of a CLI step without its own. */
  readonly cliTimeoutMs: number;
  readonly log: (line: string) => void;
}

/** Multi-document YAML of Kubernetes objects (what plan mode writes and what a live run applies). */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Parses rendered YAML resources into objects to apply. */
export function objectsOf(resources: readonly RenderedResource[]): KubeObject[] {
  return resources.flatMap((r) =>
    r.format === 'yaml'
      ? parseAllDocuments(r.content)
          .map((d) => d.toJSON() as KubeObject)
          .filter(Boolean)
      : [],
  );
}

/** The serving pod of an exec target (running, ready, not being deleted). */
export async function podOf(client: KubeClient, target: ExecTarget): Promise<string> {
  const [pod] = await client.podNames(target.namespace, target.selector);
  if (!pod) throw new Error(`no serving pod for ${target.selector} in ${target.namespace}`);
  return pod;
}

/** Runs a command in the serving pod of a target, with a deadline. */
export async function execIn(
  client: KubeClient,
  target: ExecTarget,
  argv: readonly string[],
  deadlineMs: number,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  return client.exec(target.namespace, await podOf(client, target), target.container, argv, deadlineMs);
}

/**
 * Executes one step on the live cluster: the same value plan mode writes to commands.sh. Returns
 * what a CLI or exec step printed (empty for the others).
 */
export async function runLiveStep(
  step: LiveStep,
  context: LiveContext,
): Promise<{ stdout: string; stderr: string }> {
  const { client } = context;
  const none = { stdout: '', stderr: '' };
  switch (step.kind) {
    case 'cli':
      return runStep(step, context.place, context.cliTimeoutMs);
    case 'create': {
      // The manifest is kept beside the CLIs' files, as plan mode writes it.
      await writeFile(join(context.place.cwd, step.file), toYaml(step.objects), { mode: 0o600 });
      try {
        const created = await client.createAbsent(step.objects);
        context.ownership.run.record(created.map(owned));
      } catch (error) {
        const created = (error as { created?: { object: KubeObject; uid: string }[] }).created ?? [];
        context.ownership.run.record(created.map(owned));
        throw error;
      }
      return none;
    }
    case 'apply':
      await client.apply(step.objects, step.fieldManager);
      return none;
    case 'rollout':
      await client.waitForRollout(step.deployments, step.timeoutMs);
      return none;
    case 'accepted':
      await client.waitForAcceptance(step.objects, step.timeoutMs);
      return none;
    case 'exec': {
      const result = await execIn(client, step.target, step.argv, step.deadlineMs);
      return { stdout: result.stdout, stderr: result.stderr };
    }
    case 'withdraw':
      await client.apply(
        step.objects.map((o) => ({
          apiVersion: o.apiVersion,
          kind: o.kind,
          metadata: {
            name: o.metadata.name,
            ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
          },
        })),
        step.fieldManager,
      );
      return none;
    case 'delete':
      await client.delete(step.objects);
      return none;
    case 'release':
      await context.ownership[step.record].release(client, context.log);
      return none;
    case 'verify':
      await step.verify({
        client,
        exec: (target, argv, deadlineMs) => execIn(client, target, argv, deadlineMs),
      });
      return none;
  }
}

function owned({ object, uid }: { object: KubeObject; uid: string }) {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    uid,
  };
}

import { quote } from 'zx';
import { clusterWaits } from '../../model/index.ts';
import type { CliStep } from './cli-steps.ts';
import { shellLine } from './cli-steps.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject } from './render-fixtures.ts';

/** Where a command runs in a pod: the pod of a Deployment (by its selector), one container. */
export interface ExecTarget {
  readonly namespace: string;
  readonly deployment: string;
  /** The Deployment's pod labels, to find its serving pod live. */
  readonly selector: string;
  readonly container: string;
}

/** What a `verify` step may use on a live cluster. */
export interface VerifyContext {
  readonly client: KubeClient;
  /** Runs a command in a pod (with a deadline), as exec steps do. */
  readonly exec: (
    target: ExecTarget,
    argv: readonly string[],
    deadlineMs: number,
  ) => Promise<{ stdout: string; stderr: string; exitCode: number }>;
}

/**
 * One step of a live cluster run, as data: the live path executes it (`runLiveStep`), plan mode
 * writes it to commands.sh (`shellLines`) and diagnostics run the same values, so that what plan
 * mode shows cannot drift from what runs.
 */
export type LiveStep =
  /** A CLI: istioctl, linkerd, kubectl (plan mode and live run the same argv). */
  | ({ readonly kind: 'cli' } & CliStep)
  /** Objects that must not exist yet (the run's namespaces): created, never adopted, recorded as owned. */
  | {
      readonly kind: 'create';
      readonly title: string;
      readonly file: string;
      readonly objects: readonly KubeObject[];
    }
  /** Server-side apply under a field manager. */
  | {
      readonly kind: 'apply';
      readonly title: string;
      readonly file: string;
      readonly objects: readonly KubeObject[];
      readonly fieldManager: string;
    }
  /** Every Deployment rolled out. */
  | {
      readonly kind: 'rollout';
      readonly title: string;
      readonly deployments: readonly { readonly namespace: string; readonly name: string }[];
      readonly timeoutMs: number;
    }
  /** Routes and policies accepted by their controller (Linkerd acts on them only then). */
  | {
      readonly kind: 'accepted';
      readonly title: string;
      readonly objects: readonly KubeObject[];
      readonly timeoutMs: number;
    }
  /** A command in a pod's container. */
  | {
      readonly kind: 'exec';
      readonly title: string;
      readonly target: ExecTarget;
      readonly argv: readonly string[];
      readonly deadlineMs: number;
    }
  /** Takes a patch of a fixture object back: apply nothing under the check's field manager. */
  | {
      readonly kind: 'withdraw';
      readonly title: string;
      readonly objects: readonly KubeObject[];
      readonly fieldManager: string;
    }
  /** Deletes objects (what a check applied), ignoring those already gone. */
  | { readonly kind: 'delete'; readonly title: string; readonly objects: readonly KubeObject[] }
  /**
   * Deletes exactly what the run recorded as created (by uid; a CRD only once unused), newest
   * first. Plan mode writes the deletion of the manifests those objects came from.
   */
  | {
      readonly kind: 'release';
      readonly title: string;
      readonly record: 'run' | 'mesh';
      readonly files: readonly string[];
    }
  /**
   * A live assumption proved on the cluster (docs/cluster-contract.md names each): plan mode
   * writes the read-only command that shows the same fact.
   */
  | {
      readonly kind: 'verify';
      readonly title: string;
      readonly shell: readonly string[];
      readonly verify: (context: VerifyContext) => Promise<void>;
    };

/** A read-only command captured when a check fails: its failure is output too, bounded by the diagnostics wait. */
export function diagnosticStep(title: string, argv: readonly string[]): LiveStep {
  return { kind: 'cli', title, argv, tolerateFailure: true, timeoutMs: clusterWaits.diagnosticsMs };
}

/** A titled group of steps: one section of commands.sh, one phase of a live run. */
export interface StepSection {
  readonly heading: string;
  readonly steps: readonly LiveStep[];
}

const words = (argv: readonly string[]) => argv.map((a) => quote(a)).join(' ');

/** `kind.group/name` as kubectl names an object. */
export function kubectlName(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  return `${object.kind.toLowerCase()}${group}/${object.metadata.name}`;
}

/** The shell lines plan mode writes for a step (pure); every value is quoted by zx's `quote`. */
export function shellLines(step: LiveStep): string[] {
  switch (step.kind) {
    case 'cli':
      return [shellLine(step)];
    case 'create':
      return [words(['kubectl', 'create', '-f', step.file])];
    case 'apply':
      return [
        words(['kubectl', 'apply', '--server-side', `--field-manager=${step.fieldManager}`, '-f', step.file]),
      ];
    case 'rollout':
      return step.deployments.map((d) =>
        words([
          'kubectl',
          'rollout',
          'status',
          '-n',
          d.namespace,
          `deploy/${d.name}`,
          `--timeout=${Math.round(step.timeoutMs / 1000)}s`,
        ]),
      );
    case 'accepted':
      return step.objects
        .filter((o) => o.kind === 'HTTPRoute' || o.kind === 'HTTPLocalRateLimitPolicy')
        .map((o) =>
          words([
            'kubectl',
            'wait',
            '-n',
            o.metadata.namespace ?? '',
            kubectlName(o),
            o.kind === 'HTTPRoute'
              ? '--for=jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True'
              : '--for=condition=Accepted',
            `--timeout=${Math.round(step.timeoutMs / 1000)}s`,
          ]),
        );
    case 'exec':
      return [
        words([
          'kubectl',
          'exec',
          '-n',
          step.target.namespace,
          `deploy/${step.target.deployment}`,
          '-c',
          step.target.container,
          '--',
          ...step.argv,
        ]),
      ];
    case 'withdraw':
      return step.objects.map((o) =>
        words([
          'kubectl',
          'annotate',
          '-n',
          o.metadata.namespace ?? '',
          kubectlName(o),
          ...Object.keys((o.metadata.annotations as Record<string, string> | undefined) ?? {}).map(
            (k) => `${k}-`,
          ),
        ]),
      );
    case 'delete':
      return [...step.objects]
        .reverse()
        .map((o) =>
          words([
            'kubectl',
            'delete',
            '--ignore-not-found',
            '-n',
            o.metadata.namespace ?? '',
            kubectlName(o),
          ]),
        );
    case 'release':
      return [...step.files]
        .reverse()
        .map((file) => words(['kubectl', 'delete', '--ignore-not-found', '--wait=true', '-f', file]));
    case 'verify':
      return [words(step.shell)];
  }
}

/** A whole commands.sh (pure): every section and step in order, titles as comments. */
export function shellScript(sections: readonly StepSection[]): string {
  const lines = [
    '#!/usr/bin/env bash',
    '# Written by `meshproof plan`: every command a live run executes, in order.',
    '# Run it from this folder (the manifests it applies are beside it).',
    'set -euo pipefail',
    '',
  ];
  for (const section of sections) {
    lines.push(`# ---- ${oneLine(section.heading)}`);
    for (const step of section.steps) {
      lines.push(`# ${step.kind === 'verify' ? 'verify: ' : ''}${oneLine(step.title)}`, ...shellLines(step));
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** A comment stays one comment: no line break or control character in a title reaches the script. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

import { parseAllDocuments, stringify } from 'yaml';
import { LEDGER_PATH, MODE_PATH } from '../../fixtures/echo/echo-protocol.ts';
import type { ClusterMesh } from '../meshes/cluster-mesh.ts';
import type { Check, Intent, RenderedResource, Timeouts, TrafficPlan, Version } from '../model/index.ts';
import { isSampled, plansOf } from '../model/index.ts';
import type { CliStep } from '../platforms/kubernetes/cli-steps.ts';
import { shellScript } from '../platforms/kubernetes/cli-steps.ts';
import { echoControlArgv, kubectlExecArgv } from '../platforms/kubernetes/exec-commands.ts';
import { checkFieldManager } from '../platforms/kubernetes/kube-client.ts';
import { deploymentName, kube } from '../platforms/kubernetes/kubernetes-names.ts';
import { type KubeObject, renderFixtures } from '../platforms/kubernetes/render-fixtures.ts';
import { k6CannotSend, k6ExecTarget, k6RunArgv, toK6Plan } from '../traffic/k6-driver.ts';

export interface PlanInput {
  readonly mesh: ClusterMesh;
  readonly checks: readonly Check[];
  readonly echoFiles: Readonly<Record<string, string>>;
  readonly k6Files: Readonly<Record<string, string>>;
  readonly images: { readonly k3s: string; readonly node: string; readonly k6: string };
  readonly timeouts: Timeouts;
  /** Extra sections (e.g. the sidecar-overhead benchmark) appended before cleanup. */
  readonly extraSections?: readonly { readonly heading: string; readonly steps: readonly CliStep[] }[];
}

/** What `meshproof plan` writes: file name → content. */
export type PlanFiles = Record<string, string>;

const runId = 'plan';
const versions: readonly Version[] = ['v1', 'v2', 'v3'];

/** Multi-document YAML of Kubernetes objects. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

function kubectlExecK6(plan: TrafficPlan, prefix: string, timeouts: Timeouts, title: string): CliStep {
  const target = k6ExecTarget(plan.caller);
  return {
    title,
    argv: kubectlExecArgv(
      target.namespace,
      target.deployment,
      'k6',
      k6RunArgv(toK6Plan(plan, prefix, timeouts)),
    ),
  };
}

function echoControl(
  version: Version,
  method: string,
  path: string,
  body: string | undefined,
  title: string,
): CliStep {
  return {
    title,
    argv: kubectlExecArgv(
      kube.meshNamespace,
      deploymentName('server', version),
      'echo',
      echoControlArgv(method, path, body),
    ),
  };
}

/** A rendered Kubernetes object, as far as removing it needs. */
interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
  };
}

/**
 * How to take one object of a check away again: delete it, except a Service, which is a patch
 * of a fixture Service (Linkerd's failure-accrual annotations): only its annotations go.
 */
function removalStep(object: ObjectRef): CliStep {
  const namespace = object.metadata.namespace ?? kube.meshNamespace;
  const group = object.apiVersion.includes('/') ? `.${object.apiVersion.split('/')[0]}` : '';
  if (object.kind === 'Service') {
    return {
      title: `withdraw the patch of Service ${object.metadata.name} (never delete the fixture Service)`,
      argv: [
        'kubectl',
        'annotate',
        '-n',
        namespace,
        `service/${object.metadata.name}`,
        ...Object.keys(object.metadata.annotations ?? {}).map((key) => `${key}-`),
      ],
    };
  }
  return {
    title: `remove ${object.kind} ${object.metadata.name}`,
    argv: [
      'kubectl',
      'delete',
      '--ignore-not-found',
      '-n',
      namespace,
      `${object.kind.toLowerCase()}${group}/${object.metadata.name}`,
    ],
  };
}

/** The steps of one check, in the order a live run executes them (pure). */
export function checkSteps(check: Check, timeouts: Timeouts, objects: readonly ObjectRef[] = []): CliStep[] {
  const file = `${check.id}.yaml`;
  const steps: CliStep[] = [
    {
      title: "apply the check's configuration",
      argv: ['kubectl', 'apply', '--server-side', `--field-manager=${checkFieldManager}`, '-f', file],
    },
  ];
  for (const action of check.chaos ?? []) {
    steps.push(
      echoControl(
        action.version,
        'PUT',
        MODE_PATH,
        JSON.stringify({ failStatus: action.status }),
        `make ${action.version} answer ${action.status}`,
      ),
    );
  }
  if (check.convergence) {
    steps.push(
      kubectlExecK6(
        { ...check.convergence.plan, requests: 1 },
        `${check.id}.probe.0.`,
        timeouts,
        `probe until the intent is observed (${timeouts.convergenceConfirmations} in a row, at most ${timeouts.convergenceMs / 1000} s)`,
      ),
    );
  }
  for (const [name, traffic] of Object.entries(check.traffic)) {
    const plan = isSampled(traffic) ? { ...traffic.plan, requests: traffic.batchSize } : traffic;
    const prefix = `${check.id}.${name}.0.`;
    const title = isSampled(traffic)
      ? `traffic "${name}": batches of ${traffic.batchSize}, repeated until the verdict is decided (at most ${traffic.maxRequests} requests)`
      : `traffic "${name}": ${traffic.requests} request(s) as ${traffic.caller}`;
    steps.push(kubectlExecK6(plan, prefix, timeouts, title));
    if (plan.ledger) {
      for (const v of versions) {
        steps.push(
          echoControl(
            v,
            'GET',
            `${LEDGER_PATH}?prefix=${encodeURIComponent(prefix)}`,
            undefined,
            `how often ${v} saw each request`,
          ),
        );
      }
    }
  }
  for (const action of check.chaos ?? [])
    steps.push(echoControl(action.version, 'PUT', MODE_PATH, '{}', `restore ${action.version}`));
  steps.push(...[...objects].reverse().map(removalStep));
  return steps;
}

function objectsOf(resources: readonly RenderedResource[]): ObjectRef[] {
  return resources.flatMap((r) =>
    r.format === 'yaml'
      ? parseAllDocuments(r.content)
          .map((d) => d.toJSON() as ObjectRef)
          .filter(Boolean)
      : [],
  );
}

/** Why each check would be NOT_SUPPORTED on this mesh; empty for supported checks. */
export function unsupportedReasons(check: Check, mesh: ClusterMesh): string[] {
  const undrivable = [...new Set(plansOf(check).flatMap((p) => k6CannotSend(p) ?? []))];
  return [
    ...check.features.flatMap((f) => {
      const support = mesh.adapter.support(f);
      return support.supported ? [] : [`${f}: ${support.reason}`];
    }),
    ...undrivable.map((reason) => `traffic on clusters: ${reason}`),
  ];
}

/**
 * Everything a live run would apply and execute, without touching a cluster (pure): one YAML
 * file per supported check, fixtures.yaml, commands.sh, and plan.json.
 */
export function buildPlan(input: PlanInput): PlanFiles {
  const { mesh, timeouts } = input;
  const supported = input.checks.filter((c) => unsupportedReasons(c, mesh).length === 0);
  const intents: Intent[] = supported.flatMap((c) => [...c.intents]);
  const fixtures: KubeObject[] = renderFixtures({
    runId,
    nodeImage: input.images.node,
    k6Image: input.images.k6,
    injection: mesh.injection,
    versions,
    extraServers: mesh.extraServers(intents),
    echoFiles: input.echoFiles,
    k6Files: input.k6Files,
  });
  const files: PlanFiles = {};
  for (const check of supported) {
    files[`${check.id}.yaml`] = mesh.adapter
      .render(check.intents)
      .map((r) => r.content.trimEnd())
      .join('\n---\n')
      .concat('\n');
  }
  files['fixtures.yaml'] = toYaml(fixtures);
  const deployments = fixtures.filter((o) => o.kind === 'Deployment');
  files['commands.sh'] = shellScript([
    {
      heading: `cluster: an ephemeral k3s (${input.images.k3s}, Traefik disabled) started by testcontainers, or --platform kubeconfig --context NAME`,
      steps: [{ title: 'the client and server versions', argv: ['kubectl', 'version', '-o', 'json'] }],
    },
    {
      heading: `CLIs`,
      steps: mesh.cliRequirements.map((r) => ({ title: `${r.tool} version`, argv: [...r.versionArgv] })),
    },
    {
      heading: `install ${mesh.adapter.name} ${mesh.version}`,
      steps: [...mesh.precheckSteps, ...mesh.installSteps({ gatewayApiCrds: false })],
    },
    {
      heading: 'deploy the fixtures',
      steps: [
        {
          title: 'namespaces, accounts, echo servers, callers',
          argv: ['kubectl', 'apply', '--server-side', '--field-manager=meshproof', '-f', 'fixtures.yaml'],
        },
        ...deployments.map((d) => ({
          title: `wait for ${d.metadata.name}`,
          argv: [
            'kubectl',
            'rollout',
            'status',
            '-n',
            d.metadata.namespace ?? kube.meshNamespace,
            `deploy/${d.metadata.name}`,
            `--timeout=${timeouts.workloadStartMs / 1000}s`,
          ],
        })),
      ],
    },
    ...supported.map((check) => ({
      heading: `check ${check.id}`,
      steps: checkSteps(check, timeouts, objectsOf(mesh.adapter.render(check.intents))),
    })),
    ...(input.extraSections ?? []),
    {
      heading: 'cleanup (also on failure and Ctrl-C)',
      steps: [
        {
          title: "delete exactly this run's namespaces",
          argv: ['kubectl', 'delete', 'namespace', '-l', `${kube.runLabel}=${runId}`, '--wait=true'],
        },
        ...mesh.uninstallSteps.map((s) => ({
          ...s,
          title: `${s.title} (only when meshproof installed it on an existing cluster)`,
        })),
      ],
    },
  ]);
  files['plan.json'] = `${JSON.stringify(
    {
      mesh: { name: mesh.adapter.name, version: mesh.version },
      images: input.images,
      checks: input.checks.map((c) => {
        const reasons = unsupportedReasons(c, mesh);
        return reasons.length === 0
          ? { id: c.id, status: 'PLANNED', file: `${c.id}.yaml` }
          : { id: c.id, status: 'NOT_SUPPORTED', reason: reasons.join('; ') };
      }),
    },
    null,
    2,
  )}\n`;
  return files;
}

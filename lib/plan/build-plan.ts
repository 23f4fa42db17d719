import {
  applyCheckSteps,
  chaosSteps,
  cleanupSteps,
  cliSteps,
  clusterAnswersStep,
  fixtureFiles,
  fixtureSteps,
  installSections,
  ledgerStep,
  meshIdentifiedStep,
  preflightSteps,
  removeCheckSteps,
  restoreSteps,
  serverVersions,
} from '../environments/cluster-steps.ts';
import { metricsScrapeSteps } from '../environments/metrics-steps.ts';
import type { ClusterMesh, ClusterMetricsReader, InstallContext } from '../meshes/cluster-mesh.ts';
import type { Check, Intent, Timeouts } from '../model/index.ts';
import { isSampled, metricsUnreadOn, whyNotRunnable } from '../model/index.ts';
import { clusterCannotChaos } from '../platforms/kubernetes/cluster-chaos.ts';
import { clusterNames } from '../platforms/kubernetes/kubernetes-names.ts';
import { type LiveStep, type StepSection, shellScript } from '../platforms/kubernetes/live-steps.ts';
import {
  type KubeObject,
  renderFixtures,
  renderNamespaces,
} from '../platforms/kubernetes/render-fixtures.ts';
import { objectsOf, toYaml } from '../platforms/kubernetes/run-live-step.ts';
import { k6CannotSend, k6CannotSendAtRate, k6RunStep, toK6Plan } from '../traffic/k6-driver.ts';

export interface PlanInput {
  readonly mesh: ClusterMesh;
  readonly checks: readonly Check[];
  readonly echoFiles: Readonly<Record<string, string>>;
  readonly k6Files: Readonly<Record<string, string>>;
  /** The `jwks` fixture's script; the plan deploys it with a placeholder key set. */
  readonly jwksServer?: string;
  readonly images: { readonly k3s: string; readonly node: string; readonly k6: string };
  readonly timeouts: Timeouts;
  /** Extra sections (e.g. the sidecar-overhead benchmark) appended before cleanup. */
  readonly extraSections?: readonly StepSection[];
}

/** What `meshproof plan` writes: file name → content. */
export type PlanFiles = Record<string, string>;

/** The run id of a plan: its namespaces are `meshproof-plan` and `meshproof-outside-plan`. */
export const planRunId = 'plan';

/** Why each check would be NOT_SUPPORTED on this mesh; empty for supported checks. */
export function unsupportedReasons(check: Check, mesh: ClusterMesh): string[] {
  const adapter = mesh.adapter(mesh.expected(planContext), clusterNames(planRunId));
  return whyNotRunnable(check, {
    support: adapter.support,
    cannotRender: adapter.cannotRender,
    platform: 'clusters',
    cannotSend: k6CannotSend,
    ...(mesh.metrics ? {} : { cannotReadMetrics: metricsUnreadOn('clusters') }),
    cannotChaos: clusterCannotChaos,
    cannotSendAtRate: k6CannotSendAtRate,
  });
}

/** A plan describes a run on an ephemeral cluster it creates (the default platform). */
const planContext: InstallContext = { runId: planRunId, clusterCreatedByRun: true, workDir: '.' };

/**
 * The steps of one check, in the order a live run executes them (pure): the same builders the
 * live environment runs (apply and acceptance, chaos, convergence probe, traffic and ledger,
 * restore and removal).
 */
export function checkSteps(
  check: Check,
  objects: readonly KubeObject[],
  input: {
    readonly names: ReturnType<typeof clusterNames>;
    readonly timeouts: Timeouts;
    /** The mesh's metrics reader, for a check that reads metrics: a scrape before and after its traffic. */
    readonly metrics?: ClusterMetricsReader;
  },
): LiveStep[] {
  const { names, timeouts } = input;
  const scrape = check.readsMetrics && input.metrics ? metricsScrapeSteps(input.metrics, names) : [];
  const steps: LiveStep[] = [...applyCheckSteps(objects, `${check.id}.yaml`, timeouts)];
  for (const action of check.chaos ?? []) steps.push(...chaosSteps(names, action));
  if (check.convergence) {
    const plan = check.convergence.plan;
    steps.push(
      k6RunStep(
        toK6Plan(plan, `${check.id}.probe.0.`, timeouts, names),
        plan.caller,
        names,
        `probe until the intent is observed (${timeouts.convergenceConfirmations} in a row, at most ${timeouts.convergenceMs / 1000} s)`,
      ),
    );
  }
  steps.push(...scrape);
  for (const [name, traffic] of Object.entries(check.traffic)) {
    const plan = isSampled(traffic) ? { ...traffic.plan, requests: traffic.batchSize } : traffic;
    const prefix = `${check.id}.${name}.0.`;
    const title = isSampled(traffic)
      ? `traffic "${name}": batches of ${traffic.batchSize}, repeated until the verdict is decided (at most ${traffic.maxRequests} requests)`
      : `traffic "${name}": ${traffic.requests} request(s) as ${traffic.caller}`;
    steps.push(k6RunStep(toK6Plan(plan, prefix, timeouts, names), plan.caller, names, title));
    if (plan.ledger) for (const v of serverVersions) steps.push(ledgerStep(names, v, prefix));
  }
  steps.push(...scrape, ...restoreSteps(names), ...removeCheckSteps(objects));
  return steps;
}

/**
 * Everything a live run would apply and execute, without touching a cluster (pure): one YAML
 * file per supported check, namespaces.yaml, fixtures.yaml, commands.sh, and plan.json. Every
 * step comes from the builders the live path runs (`cluster-steps.ts`); what only the cluster can
 * tell (the trust domain, the revision) is shown as a fresh ephemeral cluster would give it.
 */
export function buildPlan(input: PlanInput): PlanFiles {
  const { mesh, timeouts } = input;
  const names = clusterNames(planRunId);
  const found = mesh.expected(planContext);
  const adapter = mesh.adapter(found, names);
  const supported = input.checks.filter((c) => unsupportedReasons(c, mesh).length === 0);
  const intents: Intent[] = supported.flatMap((c) => [...c.intents]);
  const fixtures: KubeObject[] = [
    ...renderFixtures({
      runId: planRunId,
      names,
      nodeImage: input.images.node,
      k6Image: input.images.k6,
      injection: mesh.injection(found),
      optOut: mesh.optOut,
      versions: serverVersions,
      extraServers: mesh.extraServers(intents),
      echoFiles: input.echoFiles,
      k6Files: input.k6Files,
      ...(input.jwksServer !== undefined ? { jwksServer: input.jwksServer } : {}),
    }),
    ...mesh.meshFixtures(found, names, planRunId),
  ];
  const files: PlanFiles = {};
  const rendered = new Map(supported.map((check) => [check.id, adapter.render(check.intents)]));
  for (const check of supported) {
    files[`${check.id}.yaml`] = (rendered.get(check.id) ?? [])
      .map((r) => r.content.trimEnd())
      .join('\n---\n')
      .concat('\n');
  }
  files[fixtureFiles.namespaces] = toYaml(
    renderNamespaces({ runId: planRunId, names, injection: mesh.injection(found), optOut: mesh.optOut }),
  );
  files[fixtureFiles.fixtures] = toYaml(fixtures);
  const pods = [...serverVersions.map((v) => `server-${v}-<pod>`), 'client-<pod>'];
  files['commands.sh'] = shellScript([
    {
      heading: `cluster: an ephemeral k3s (${input.images.k3s}, Traefik disabled) started by testcontainers, or --platform kubeconfig --context NAME (only that context's kubeconfig is kept, mode 0600)`,
      steps: [clusterAnswersStep],
    },
    { heading: 'CLIs', steps: cliSteps(mesh) },
    ...installSections(mesh, planContext),
    { heading: `${mesh.name} as found`, steps: [meshIdentifiedStep(mesh, found)] },
    {
      heading: 'deploy the fixtures',
      steps: fixtureSteps({ runId: planRunId, names, mesh, found, fixtures, timeouts }),
    },
    {
      heading: 'live preflight: every assumption proved on the cluster before any check',
      steps: preflightSteps({
        mesh,
        adapter,
        names,
        runId: planRunId,
        timeouts,
        resources: [...rendered.values()].flat(),
        parse: objectsOf,
      }),
    },
    ...supported.map((check) => ({
      heading: `check ${check.id}`,
      steps: checkSteps(check, objectsOf(rendered.get(check.id) ?? []), {
        names,
        timeouts,
        ...(mesh.metrics ? { metrics: mesh.metrics } : {}),
      }),
    })),
    ...(input.extraSections ?? []),
    {
      heading: "diagnostics, captured when a check fails (with the involved pods' names)",
      steps: mesh.diagnosticSteps(names, pods),
    },
    {
      heading: 'cleanup (also on failure and Ctrl-C)',
      steps: [
        ...cleanupSteps(mesh, planContext, false),
        ...cleanupSteps(mesh, planContext, true)
          .slice(1)
          .map((s) => ({
            ...s,
            title: `${s.title} (only when meshproof installed it on an existing cluster)`,
          })),
      ],
    },
  ]);
  files['plan.json'] = `${JSON.stringify(
    {
      mesh: {
        name: mesh.name,
        mode: mesh.mode,
        version: mesh.version,
        ...(found.revision ? { revision: found.revision } : {}),
      },
      namespaces: names,
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

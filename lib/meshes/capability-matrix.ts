import { registry } from '../../suites/registry.ts';
import type { Check, CheckTarget, Intent } from '../model/index.ts';
import { allFeatures, metricsUnreadOn, whyNotRunnable } from '../model/index.ts';
import { clusterCannotChaos } from '../platforms/kubernetes/cluster-chaos.ts';
import { k6CannotSend, k6CannotSendAtRate } from '../traffic/k6-driver.ts';
import {
  type Capability,
  type MeshMode,
  meshCapabilities,
  meshModes,
  supportByMode,
} from './capabilities.ts';
import { istioMeshAdapter } from './istio/istio-adapter.ts';

/** Every mesh, in each mode meshproof drives it, side by side: features, and which checks run where. */
export interface CapabilityMatrix {
  readonly meshes: readonly MeshMode[];
  readonly features: Readonly<Record<MeshMode, readonly Capability[]>>;
  readonly checks: readonly {
    readonly id: string;
    readonly runs: Readonly<Record<MeshMode, { readonly runs: boolean; readonly reason?: string }>>;
  }[];
}

/** Why a mode's rendering cannot carry a check's intents although it supports their features. */
const cannotRenderIn: Readonly<Record<MeshMode, (intents: readonly Intent[]) => string | undefined>> = {
  reference: () => undefined,
  istio: istioMeshAdapter(undefined, 'sidecar').cannotRender,
  'istio/gateway-api': istioMeshAdapter(undefined, 'sidecar-gateway-api').cannotRender,
  'istio-ambient': istioMeshAdapter(undefined, 'ambient').cannotRender,
  linkerd: () => undefined,
};

/**
 * Why a mode's platform cannot read the mesh's metrics: the cluster path reads them where the
 * ClusterMesh has a `metrics` reader (Istio's sidecar modes; `metrics-readers.test.ts` compares).
 */
export const cannotReadMetricsIn: Readonly<Record<MeshMode, string | undefined>> = {
  reference: undefined,
  istio: undefined,
  'istio/gateway-api': undefined,
  'istio-ambient': metricsUnreadOn('clusters'),
  linkerd: metricsUnreadOn('clusters'),
};

/** A mode as the capability matrix sees it: every mesh but the reference runs on clusters, where k6 sends. */
function targetOf(mode: MeshMode): CheckTarget {
  return {
    support: supportByMode[mode],
    cannotRender: cannotRenderIn[mode],
    ...(mode === 'reference'
      ? { platform: 'local' }
      : {
          platform: 'clusters',
          cannotSend: k6CannotSend,
          cannotChaos: clusterCannotChaos,
          cannotSendAtRate: k6CannotSendAtRate,
        }),
    ...(cannotReadMetricsIn[mode] ? { cannotReadMetrics: cannotReadMetricsIn[mode] } : {}),
  };
}

function checkOn(check: Check, mesh: MeshMode): { runs: boolean; reason?: string } {
  const missing = whyNotRunnable(check, targetOf(mesh));
  return missing.length === 0 ? { runs: true } : { runs: false, reason: missing.join('; ') };
}

/** The matrix for every mesh mode and every registered check (pure). */
export function capabilityMatrix(checks: readonly Check[] = registry): CapabilityMatrix {
  const features = Object.fromEntries(
    meshModes.map((m) => [m, meshCapabilities(m)]),
  ) as unknown as CapabilityMatrix['features'];
  return {
    meshes: meshModes,
    features,
    checks: checks.map((c) => ({
      id: c.id,
      runs: Object.fromEntries(
        meshModes.map((m) => [m, checkOn(c, m)]),
      ) as unknown as CapabilityMatrix['checks'][number]['runs'],
    })),
  };
}

/** The matrix as text for a terminal: ✓ supported / runs, ✗ not, with the reasons below. */
export function renderCapabilityMatrix(matrix: CapabilityMatrix): string {
  const col = Math.max(...matrix.meshes.map((m) => m.length)) + 2;
  const header = (title: string, width: number) =>
    `${title.padEnd(width)}${matrix.meshes.map((m) => m.padEnd(col)).join('')}`.trimEnd();
  const mark = (ok: boolean) => (ok ? '✓' : '✗').padEnd(col);
  const lines = [header('FEATURE', 25)];
  for (const feature of allFeatures) {
    lines.push(
      `${feature.padEnd(25)}${matrix.meshes.map((m) => mark(matrix.features[m].find((c) => c.feature === feature)?.supported ?? false)).join('')}`.trimEnd(),
    );
  }
  lines.push('', header('CHECK', 48));
  for (const check of matrix.checks) {
    lines.push(
      `${check.id.padEnd(48)}${matrix.meshes.map((m) => mark(check.runs[m].runs)).join('')}`.trimEnd(),
    );
  }
  lines.push('', 'Not supported, and why:');
  for (const mesh of matrix.meshes) {
    for (const c of matrix.features[mesh].filter((f) => !f.supported))
      lines.push(`  ${mesh} ${c.feature}: ${c.reason}`);
  }
  // Checks held back by the platform or the rendering rather than by a missing feature, once per reason.
  const platformReasons = new Map<string, string[]>();
  for (const check of matrix.checks) {
    for (const mesh of matrix.meshes) {
      const reason = check.runs[mesh].reason;
      if (!reason?.startsWith('traffic on') && !reason?.startsWith('rendering:')) continue;
      platformReasons.set(reason, [...(platformReasons.get(reason) ?? []), `${mesh} ${check.id}`]);
    }
  }
  for (const [reason, where] of platformReasons) lines.push(`  ${where.join(', ')}: ${reason}`);
  return `${lines.join('\n')}\n`;
}

import { registry } from '../../suites/registry.ts';
import type { Check, MeshName } from '../model/index.ts';
import { allFeatures, meshNames, plansOf } from '../model/index.ts';
import { k6CannotSend } from '../traffic/k6-driver.ts';
import { type Capability, meshCapabilities, meshSupport } from './capabilities.ts';

/** The three meshes side by side: features, and which checks run where. */
export interface CapabilityMatrix {
  readonly meshes: readonly MeshName[];
  readonly features: Readonly<Record<MeshName, readonly Capability[]>>;
  readonly checks: readonly {
    readonly id: string;
    readonly runs: Readonly<Record<MeshName, { readonly runs: boolean; readonly reason?: string }>>;
  }[];
}

function checkOn(check: Check, mesh: MeshName): { runs: boolean; reason?: string } {
  const missing = check.features.flatMap((f) => {
    const s = meshSupport(mesh, f);
    return s.supported ? [] : [`${f}: ${s.reason}`];
  });
  // Istio and Linkerd run on clusters, where the k6 callers send the traffic.
  if (mesh !== 'reference') {
    const undrivable = new Set(plansOf(check).flatMap((p) => k6CannotSend(p) ?? []));
    for (const reason of undrivable) missing.push(`traffic on clusters: ${reason}`);
  }
  return missing.length === 0 ? { runs: true } : { runs: false, reason: missing.join('; ') };
}

/** The matrix for every mesh and every registered check (pure). */
export function capabilityMatrix(checks: readonly Check[] = registry): CapabilityMatrix {
  const features = Object.fromEntries(
    meshNames.map((m) => [m, meshCapabilities(m)]),
  ) as unknown as CapabilityMatrix['features'];
  return {
    meshes: meshNames,
    features,
    checks: checks.map((c) => ({
      id: c.id,
      runs: Object.fromEntries(
        meshNames.map((m) => [m, checkOn(c, m)]),
      ) as unknown as CapabilityMatrix['checks'][number]['runs'],
    })),
  };
}

/** The matrix as text for a terminal: ✓ supported / runs, ✗ not, with the reasons below. */
export function renderCapabilityMatrix(matrix: CapabilityMatrix): string {
  const col = 11;
  const header = (title: string, width: number) =>
    `${title.padEnd(width)}${matrix.meshes.map((m) => m.padEnd(col)).join('')}`.trimEnd();
  const mark = (ok: boolean) => (ok ? '✓' : '✗').padEnd(col);
  const lines = [header('FEATURE', 22)];
  for (const feature of allFeatures) {
    lines.push(
      `${feature.padEnd(22)}${matrix.meshes.map((m) => mark(matrix.features[m].find((c) => c.feature === feature)?.supported ?? false)).join('')}`.trimEnd(),
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
  // Checks held back by the platform rather than by a missing feature, once per reason.
  const platformReasons = new Map<string, string[]>();
  for (const check of matrix.checks) {
    for (const mesh of matrix.meshes) {
      const reason = check.runs[mesh].reason;
      if (!reason?.startsWith('traffic on')) continue;
      platformReasons.set(reason, [...(platformReasons.get(reason) ?? []), `${mesh} ${check.id}`]);
    }
  }
  for (const [reason, where] of platformReasons) lines.push(`  ${where.join(', ')}: ${reason}`);
  return `${lines.join('\n')}\n`;
}

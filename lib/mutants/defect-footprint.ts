import {
  type DefectDefinition,
  type ReferenceDefect,
  referenceDefects,
} from '../meshes/reference/defects.ts';
import { renderReferenceMesh } from '../meshes/reference/render-haproxy.ts';
import type { ReferenceWiring } from '../meshes/reference/wiring.ts';
import type { Check, Intent, RenderedResource } from '../model/index.ts';
import { describeMeshFiles, differingFiles } from './mesh-files.ts';

/** Renders intents on one installation of the reference mesh, with or without the defect (pure). */
export type RenderWithDefect = (
  intents: readonly Intent[],
  withDefect: boolean,
) => readonly RenderedResource[];

/** What decides which checks a defect can affect. */
export interface FootprintInput {
  readonly checks: readonly Check[];
  readonly render: RenderWithDefect;
  /**
   * The files the mesh wrote when installed without and with the defect (certificates, CA
   * files, scripts), described by {@link describeMeshFiles}; configuration files are left out
   * (they are compared as rendered).
   */
  readonly installed: {
    readonly conformant: ReadonlyMap<string, string>;
    readonly defective: ReadonlyMap<string, string>;
  };
  /** The defect's own statement that its effect does not show in what the mesh renders or writes. */
  readonly unrenderedEffect?: string;
}

/** Whether one check runs under a defect, and why. */
export interface CheckSelection {
  readonly id: string;
  readonly run: boolean;
  readonly because: string;
}

/** The checks a defect can change the verdict of, with the reasons. */
export interface DefectFootprint {
  /** Why every check runs, when the defect changes what every check starts from; else null. */
  readonly everyCheck: string | null;
  readonly checks: readonly CheckSelection[];
}

/** Names of the rendered resources whose content differs between two renderings (certificates compared by their fields). */
export function differingResources(a: readonly RenderedResource[], b: readonly RenderedResource[]): string[] {
  const asFiles = (resources: readonly RenderedResource[]) =>
    describeMeshFiles(
      resources.map((r) => ({ name: r.name, content: r.content })),
      new Date(0),
    );
  return differingFiles(asFiles(a), asFiles(b));
}

/** Every configuration a check applies: its intents, then those its timeline applies under traffic. */
function intentSetsOf(check: Check): (readonly Intent[])[] {
  const applied = (check.timeline?.actions ?? []).flatMap((a) =>
    a.action.kind === 'apply-intents' ? [a.action.intents] : [],
  );
  return [check.intents, ...applied];
}

const listed = (names: readonly string[]) =>
  names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');

/**
 * The checks whose verdict a defect can change (pure). A check's verdict depends on the mesh
 * only through what the mesh renders for it and what it installed; a defect that renders the
 * same configuration for a check, on an installation that wrote the same files, cannot change
 * that check's verdict. A defect that changes the installation, the baseline configuration (in
 * force before and between checks), or declares an effect outside them, runs every check.
 */
export function defectFootprint(input: FootprintInput): DefectFootprint {
  const everyCheck = everyCheckReason(input);
  const checks = input.checks.map((check): CheckSelection => {
    if (everyCheck) return { id: check.id, run: true, because: everyCheck };
    // What the check applies first, and what its timeline applies while traffic flows.
    const changed = intentSetsOf(check).flatMap((intents) =>
      differingResources(input.render(intents, false), input.render(intents, true)),
    );
    return changed.length > 0
      ? { id: check.id, run: true, because: `renders differently: ${listed([...new Set(changed)])}` }
      : { id: check.id, run: false, because: 'renders the same configuration as the conformant mesh' };
  });
  return { everyCheck, checks };
}

function everyCheckReason(input: FootprintInput): string | null {
  if (input.unrenderedEffect) return `declared effect outside the rendering: ${input.unrenderedEffect}`;
  const files = differingFiles(input.installed.conformant, input.installed.defective);
  if (files.length > 0) return `the installation wrote different files: ${listed(files)}`;
  const baseline = differingResources(input.render([], false), input.render([], true));
  if (baseline.length > 0) return `the baseline configuration differs: ${listed(baseline)}`;
  return null;
}

/**
 * The footprint of one defect of the reference mesh (pure): its renderer on the defective
 * installation's wiring, with and without the defect, and the defect's own declaration.
 */
export function referenceDefectFootprint(input: {
  readonly defect: ReferenceDefect;
  readonly checks: readonly Check[];
  readonly wiring: ReferenceWiring;
  readonly installed: FootprintInput['installed'];
}): DefectFootprint {
  const defects = new Set([input.defect]);
  const definition: DefectDefinition = referenceDefects[input.defect];
  return defectFootprint({
    checks: input.checks,
    render: (intents, withDefect) =>
      renderReferenceMesh(intents, input.wiring, withDefect ? defects : new Set()),
    installed: input.installed,
    ...(definition.unrenderedEffect ? { unrenderedEffect: definition.unrenderedEffect } : {}),
  });
}

import { MeshproofError } from '../../errors/meshproof-error.ts';

/**
 * The error for an intent Linkerd cannot express faithfully. Rendering never drops part of an
 * intent silently: what Linkerd lacks is reported here (and as NOT_SUPPORTED by `linkerdSupport`
 * before rendering is ever attempted).
 */
export function cannotRender(message: string): MeshproofError {
  return new MeshproofError('MESHPROOF_UNSUPPORTED_COMBINATION', `linkerd: ${message}`);
}

const durationUnits: readonly (readonly [unit: string, ms: number])[] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/**
 * A duration both Linkerd and the Gateway API accept: one integer and one unit (`300ms`, `30s`,
 * `5m`), the largest unit that is exact. Linkerd's policy controller parses exactly one
 * magnitude and one unit (`parse_duration`: a Gateway API duration such as `1s500ms` is
 * silently ignored as a timeout), and the Gateway API allows at most five digits per unit.
 */
export function linkerdDuration(ms: number, what: string): string {
  if (!Number.isInteger(ms) || ms <= 0) {
    throw cannotRender(`${what} must be a positive whole number of milliseconds, got ${ms}`);
  }
  for (const [unit, size] of durationUnits) {
    if (ms % size === 0 && ms / size <= 99_999) return `${ms / size}${unit}`;
  }
  throw cannotRender(
    `${what} of ${ms} ms has no single-unit form of at most five digits (use whole seconds above 99999 ms)`,
  );
}

/** Largest weight the HTTPRoute CRDs accept for one backend. */
export const maxBackendWeight = 1_000_000;
/** Resolution of weights that are not whole numbers: parts per ten thousand. */
const weightScale = 10_000;

/**
 * Whole-number weights with the same proportions as `shares` (non-negative). Whole shares within
 * the CRD's bound are kept as written, so a route reads like its intent (90/10); anything else
 * is scaled to parts per ten thousand.
 */
export function integerWeights(shares: readonly number[]): number[] {
  if (shares.some((s) => !Number.isFinite(s) || s < 0)) {
    throw cannotRender(`backend weights must be finite and non-negative, got ${shares.join(', ')}`);
  }
  if (shares.every((s) => Number.isInteger(s) && s <= maxBackendWeight)) return [...shares];
  const total = shares.reduce((sum, s) => sum + s, 0);
  return shares.map((s) => Math.round((s / total) * weightScale));
}

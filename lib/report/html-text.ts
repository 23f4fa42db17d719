/**
 * The fixed number and time formats every rendering uses (HTML, Markdown, terminal), so the
 * same figure reads the same everywhere (and goldens are stable). Escaping is the templates'
 * business: see html-template.ts.
 */

/** A number with at most `digits` decimals and no trailing zeros: 12, 12.5, 0.05. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** A share in [0, 1] as a percentage with one decimal: 0.9164 → "91.6%". */
export function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** Milliseconds for people: "18 ms", "2.3 s", "1 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** A small probability in scientific notation: 0.00005 → "5.0e-5"; 0 → "0". */
export function formatProbability(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.01) return formatNumber(p, 3);
  return p.toExponential(1);
}

/** An ISO timestamp as "2026-11-21 15:07:51 UTC", independent of the reader's locale. */
export function formatTimestamp(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** The confidence level matching a false-failure rate: 1e-5 → "99.999%". */
export function formatConfidence(alpha: number): string {
  const level = (1 - alpha) * 100;
  // As many decimals as it takes to show the nines (1e-5 → 3 decimals), at most 6.
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(alpha)) - 2));
  return `${level.toFixed(decimals)}%`;
}

/**
 * A difference with its sign and fixed decimals, as bench.md writes it: "+0.236", "−1.500";
 * a value that rounds to zero is "+0.000", never "−0.000".
 */
export function formatSigned(value: number, digits = 3): string {
  const fixed = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(fixed) !== 0 ? '−' : '+'}${fixed}`;
}

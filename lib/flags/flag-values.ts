import { MeshproofError } from '../errors/meshproof-error.ts';

/**
 * Values typed on the command line, read strictly where they enter: a list has no empty item and
 * a whole number is decimal digits only. `Number()` would take `0x10` as 16, `1e3` as 1000, `""`
 * as 0 and `1e309` as Infinity; an empty list would silently mean "everything".
 */

function bad(message: string): MeshproofError {
  return new MeshproofError('MESHPROOF_BAD_FLAG', message);
}

/** How a value is quoted in a message: JSON quoting shows spaces and control characters. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * A comma-separated list: `a,b, c` → `['a', 'b', 'c']`. Refuses an empty value (`""`, `" "`) and
 * empty items (`","`, `"a,,b"`, `"a,"`), naming what an item is (`expected`).
 */
export function parseList(text: string, flag: string, expected: string): string[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.every((item) => item === '')) {
    throw bad(`${flag} needs at least one ${expected}, not ${quoted(text)}; omit ${flag} for the default`);
  }
  if (items.some((item) => item === '')) {
    throw bad(`${flag} has an empty item in ${quoted(text)}; give comma-separated ${expected}s`);
  }
  return items;
}

/** A whole number in decimal digits from `min` to `max`: no sign, fraction, exponent, hex or blank. */
export function parseWholeNumber(text: string, flag: string, min: number, max: number): number {
  const digits = text.trim();
  const value = Number(digits);
  if (!/^[0-9]+$/.test(digits) || value < min || value > max) {
    throw bad(`${flag} must be a whole number from ${min} to ${max} in decimal digits, not ${quoted(text)}`);
  }
  return value;
}

/** A non-empty text value such as a path or a name. */
export function parseText(text: string, flag: string, expected: string): string {
  if (text.trim() === '') throw bad(`${flag} needs ${expected}, not ${quoted(text)}`);
  return text;
}

import { MeshproofError } from '../errors/meshproof-error.ts';
import type { Check } from '../model/index.ts';

function matcher(pattern: string): (id: string) => boolean {
  if (pattern.includes('*')) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    const regex = new RegExp(`^${source}$`);
    return (id) => regex.test(id);
  }
  // A plain pattern names a check or a group of them by dotted prefix: `security.mtls`.
  return (id) => id === pattern || id.startsWith(`${pattern}.`);
}

/**
 * The checks whose ids match any pattern (exact id, dotted prefix, or glob with `*`), in
 * registry order. A pattern that matches nothing is an error, not an empty run.
 */
export function selectChecks(registry: readonly Check[], patterns: readonly string[]): Check[] {
  if (patterns.length === 0) return [...registry];
  const matchers = patterns.map((p) => ({ pattern: p, matches: matcher(p) }));
  for (const { pattern, matches } of matchers) {
    if (!registry.some((c) => matches(c.id))) {
      throw new MeshproofError(
        'MESHPROOF_NO_MATCHING_CHECK',
        `no check matches --only ${pattern}; list the checks with \`meshproof list\` (patterns: an id, a dotted prefix like security.mtls, or a glob like 'traffic.*')`,
      );
    }
  }
  return registry.filter((c) => matchers.some((m) => m.matches(c.id)));
}

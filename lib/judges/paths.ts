/**
 * Request paths as an RFC 3986 normalizing proxy sees them: what Envoy's `normalize_path` does,
 * which Istio's default `pathNormalization: BASE` turns on (docs/reference-mesh-semantics.md).
 * Pure; judges use it to tell whether the app received a path it could resolve differently
 * from the one the mesh authorized.
 */

const unreserved = /^[A-Za-z0-9\-._~]$/;

/** The path part of a request target (the query string cut off). */
export function pathOf(target: string): string {
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** Percent-decodes unreserved characters only (`%2e` → `.`, `%41` → `A`; `%2F` stays). */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return unreserved.test(char) ? char : encoded;
  });
}

/** RFC 3986 section 5.2.4 on an absolute path: `.` segments dropped, `..` taking one back. */
function removeDotSegments(path: string): string {
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      if (last) out.push('');
      return;
    }
    out.push(segment);
  });
  return `/${out.join('/')}`;
}

/**
 * The path of a request target after BASE normalization: backslashes as slashes, unreserved
 * characters decoded, dot segments removed; `%2F`, `%5C`, `//` and case kept.
 */
export function normalizePath(target: string): string {
  const path = pathOf(target);
  if (!path.startsWith('/') && !path.startsWith('\\')) return path;
  return removeDotSegments(decodeUnreserved(path.replaceAll('\\', '/')));
}

/** True when a path is already normalized: no proxy or app can resolve it to another one. */
export function isNormalized(target: string): boolean {
  return normalizePath(target) === pathOf(target);
}

/**
 * True when a path lies under a prefix segment by segment, case-sensitively (Gateway API
 * PathPrefix): `/api` covers `/api`, `/api/` and `/api/items`, not `/apiary` or `/api%2Fitems`.
 */
export function isUnderPrefix(target: string, prefix: string): boolean {
  const path = pathOf(target);
  const base = prefix.replace(/\/+$/, '');
  return base === '' || path === base || path.startsWith(`${base}/`);
}

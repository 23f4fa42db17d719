/**
 * Deliberate defects the reference mesh can carry, so that the suite proves every check
 * catches the fault it exists for. Each names the check that must fail under it.
 */
export const referenceDefects = {
  'mtls-permissive': {
    description: 'STRICT mTLS is rendered as PERMISSIVE: plaintext callers are let in.',
    catches: ['security.mtls.strict-rejects-plaintext'],
  },
  'authz-ignored': {
    description: 'Access policies are not rendered: every caller reaches every path.',
    catches: ['security.authz.deny-unlisted-identity', 'security.authz.method-and-path'],
  },
  'authz-deny-all': {
    description: 'Access policies deny everything, also the callers they list.',
    catches: ['security.authz.allow-listed-identity'],
  },
  'identity-dropped': {
    description: 'The sidecar does not pass the caller identity (X-Forwarded-Client-Cert) to the app.',
    catches: ['security.mtls.identity-presented'],
  },
  'plaintext-refused': {
    description: 'PERMISSIVE is rendered as STRICT: plaintext callers are refused.',
    catches: ['security.mtls.permissive-accepts-plaintext'],
  },
  'header-match-ignored': {
    description: 'Route rules that match on headers are dropped: matching requests take the default route.',
    catches: ['traffic.routing.header-match'],
  },
} as const satisfies Record<string, { readonly description: string; readonly catches: readonly string[] }>;

export type ReferenceDefect = keyof typeof referenceDefects;

export const referenceDefectNames = Object.keys(referenceDefects) as ReferenceDefect[];

/** True when a string names a known defect. */
export function isReferenceDefect(name: string): name is ReferenceDefect {
  return Object.hasOwn(referenceDefects, name);
}

import type { CallerName, Feature, Support } from '../../model/index.ts';
import { callerIdentity, Feature as F, spiffeId } from '../../model/index.ts';

const unsupported: Partial<Record<Feature, string>> = {
  [F.Mirroring]:
    'haproxy 2.6 cannot copy a request to a second backend without an external SPOE agent, so mirroring cannot be rendered faithfully',
};

/** What the reference mesh can express. */
export function referenceSupport(feature: Feature): Support {
  const reason = unsupported[feature];
  return reason ? { supported: false, reason } : { supported: true };
}

/** The reference mesh shows the app the caller's SPIFFE ID (URI of X-Forwarded-Client-Cert). */
export function referenceIdentityOf(caller: CallerName): string {
  return spiffeId(callerIdentity(caller));
}

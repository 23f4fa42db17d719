import type { Check } from '../lib/model/index.ts';
import { allowListedIdentity } from './security/allow-listed-identity.ts';
import { denyUnlistedIdentity } from './security/deny-unlisted-identity.ts';
import { identityPresented } from './security/identity-presented.ts';
import { methodAndPath } from './security/method-and-path.ts';
import { permissiveAcceptsPlaintext } from './security/permissive-accepts-plaintext.ts';
import { strictRejectsPlaintext } from './security/strict-rejects-plaintext.ts';
import { headerMatch } from './traffic/header-match.ts';

/** Every conformance check, in run order. Ids are a contract: never rename one. */
export const registry: readonly Check[] = [
  strictRejectsPlaintext,
  permissiveAcceptsPlaintext,
  identityPresented,
  allowListedIdentity,
  denyUnlistedIdentity,
  methodAndPath,
  headerMatch,
] as readonly Check[];

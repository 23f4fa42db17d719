import type { Observation } from '../../lib/model/index.ts';
import { defineCheck, describeOutcomes, Feature, isSuccess } from '../../lib/model/index.ts';

const denied = (o: Observation) => o.outcome === 'response' && o.status === 403 && o.serverAttempts === 0;

/** A policy that allows one method on one path prefix denies the others; an open path stays open. */
export const methodAndPath = defineCheck({
  id: 'security.authz.method-and-path',
  description:
    'An access policy allowing the client GET on /api/ lets that through, denies another method or path with 403, and keeps a path opened to all (/public/) reachable by every caller.',
  features: [Feature.AuthzByIdentity, Feature.AuthzByRequest],
  profile: 'core',
  intents: [
    {
      kind: 'AccessPolicy',
      service: 'server',
      rules: [
        { from: ['client'], methods: ['GET'], pathPrefixes: ['/api/'] },
        { pathPrefixes: ['/public/'] },
      ],
    },
  ],
  convergence: {
    plan: { caller: 'client', service: 'server', method: 'DELETE', path: '/api/items', requests: 1 },
    confirmed: (o) => o.outcome === 'response' && o.status === 403,
  },
  traffic: {
    allowed: { caller: 'client', service: 'server', method: 'GET', path: '/api/items', requests: 10 },
    otherMethod: {
      caller: 'client',
      service: 'server',
      method: 'DELETE',
      path: '/api/items',
      requests: 10,
      ledger: true,
    },
    otherPath: {
      caller: 'client',
      service: 'server',
      method: 'GET',
      path: '/admin/users',
      requests: 10,
      ledger: true,
    },
    openFromFrontend: { caller: 'frontend', service: 'server', path: '/public/status', requests: 10 },
    openFromOutsider: { caller: 'outsider', service: 'server', path: '/public/status', requests: 10 },
  },
  judge: (o) => {
    const parts = {
      'client GET /api/items': {
        want: '2xx',
        ok: o.allowed.every(isSuccess),
        got: describeOutcomes(o.allowed),
      },
      'client DELETE /api/items': {
        want: '403',
        ok: o.otherMethod.every(denied),
        got: describeOutcomes(o.otherMethod),
      },
      'client GET /admin/users': {
        want: '403',
        ok: o.otherPath.every(denied),
        got: describeOutcomes(o.otherPath),
      },
      'frontend GET /public/status': {
        want: '2xx',
        ok: o.openFromFrontend.every(isSuccess),
        got: describeOutcomes(o.openFromFrontend),
      },
      'outsider GET /public/status': {
        want: '2xx',
        ok: o.openFromOutsider.every(isSuccess),
        got: describeOutcomes(o.openFromOutsider),
      },
    };
    const entries = Object.entries(parts);
    return {
      status: entries.every(([, p]) => p.ok) ? 'PASSED' : 'FAILED',
      want: `${entries.map(([k, p]) => `${k}: ${p.want}`).join('; ')}; denied requests never reach the app`,
      got: entries.map(([k, p]) => `${k}: ${p.got}${p.ok ? '' : ' ✗'}`).join('; '),
      evidence: Object.fromEntries(entries.map(([k, p]) => [k, { want: p.want, got: p.got, ok: p.ok }])),
    };
  },
});

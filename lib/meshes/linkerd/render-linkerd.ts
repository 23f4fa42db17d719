/**
 * Renders mesh-agnostic intents into Linkerd resources (pure; golden-tested).
 *
 * | Intent              | Linkerd resources                                                            |
 * | ------------------- | ---------------------------------------------------------------------------- |
 * | PeerAuthentication  | Server (+ AuthorizationPolicy requiring mesh TLS under STRICT)               |
 * | AccessPolicy        | Server, policy.linkerd.io HTTPRoutes, AuthorizationPolicies, authentications |
 * | RateLimit           | HTTPLocalRateLimitPolicy on the Server                                       |
 * | HttpRoute           | gateway.networking.k8s.io HTTPRoutes on the Service, retry annotations       |
 * | abort fault         | a weighted backend share to `server-fault-<status>` (see faultBackendsNeeded)|
 * | OutlierDetection    | failure-accrual annotations, a server-side-apply patch of the Service        |
 * | ConnectionLimit, delay fault, mirror | none: Linkerd lacks them (MESHPROOF_UNSUPPORTED_COMBINATION) |
 *
 * The resources come in the order to apply them (delete in reverse). Linkerd acts on an
 * HTTPRoute or an HTTPLocalRateLimitPolicy only once its policy controller has accepted it (a
 * `status.parents[]` entry of controller `linkerd.io/policy-controller` with condition Accepted),
 * so a platform should wait for that before probing convergence.
 */
import { stringify } from 'yaml';
import type {
  ConnectionLimitIntent,
  HttpRouteIntent,
  Intent,
  OutlierDetectionIntent,
  RenderedResource,
  ServiceName,
} from '../../model/index.ts';
import { servicesOfIntents } from '../../model/index.ts';
import type { ExtraServer } from '../../platforms/kubernetes/render-fixtures.ts';
import { defaultLinkerdPlacement, type LinkerdPlacement } from '../mesh-placement.ts';
import type { LinkerdResource } from './linkerd-resources.ts';
import { cannotRender } from './linkerd-values.ts';
import { renderInboundPolicy } from './render-linkerd-inbound.ts';
import {
  effectiveAbort,
  faultBackendName,
  renderFailureAccrual,
  renderOutboundRoutes,
} from './render-linkerd-outbound.ts';

const ofKind = <T extends Intent>(intents: readonly Intent[], kind: T['kind']) =>
  intents.filter((i): i is T => i.kind === kind);

/** The services intents talk about, in first-mention order. */
const servicesOf = (intents: readonly Intent[]) => servicesOfIntents(intents);

/** The Linkerd resources for the intents, as typed objects, in the order to apply them. */
export function renderLinkerdResources(
  intents: readonly Intent[],
  at: LinkerdPlacement = defaultLinkerdPlacement,
): LinkerdResource[] {
  const limit = ofKind<ConnectionLimitIntent>(intents, 'ConnectionLimit')[0];
  if (limit) {
    throw cannotRender(
      'connection limits cannot be rendered: Linkerd has no connection-pool limits (see linkerdSupport(ConnectionLimits))',
    );
  }
  if (intents.some((i) => i.kind === 'RequestAuthentication' || i.kind === 'JwtAccessPolicy')) {
    throw cannotRender(
      'end-user authentication cannot be rendered: Linkerd has no JWT verification (see linkerdSupport(JwtAuth))',
    );
  }
  if (intents.some((i) => i.kind === 'IngressGateway')) {
    throw cannotRender(
      'an ingress gateway cannot be rendered: Linkerd implements no Gateway and meshproof deploys no third-party ingress (see linkerdSupport(IngressGateway))',
    );
  }
  if (intents.some((i) => i.kind === 'EgressPolicy')) {
    throw cannotRender(
      'registry-only egress cannot be rendered: an EgressNetwork does not hold an allowed host name to its own address (see linkerdSupport(EgressControl))',
    );
  }
  const services: readonly ServiceName[] = servicesOf(intents);
  const inbound = services.flatMap((service) => renderInboundPolicy(intents, service, at));
  const accrual = services.flatMap((service) => {
    const outlier = ofKind<OutlierDetectionIntent>(intents, 'OutlierDetection').find(
      (i) => i.service === service,
    );
    return outlier ? [renderFailureAccrual(outlier, at)] : [];
  });
  const routes = services.flatMap((service) => {
    // As the reference mesh does, the first route intent for a service is the one in force.
    const route = ofKind<HttpRouteIntent>(intents, 'HttpRoute').find((i) => i.service === service);
    return route ? renderOutboundRoutes(route, at) : [];
  });
  return [...inbound, ...accrual, ...routes];
}

/** One resource as the report and the platform see it: YAML of exactly one object. */
export function toRenderedResource(resource: LinkerdResource): RenderedResource {
  return {
    kind: resource.kind,
    name: resource.metadata.name,
    format: 'yaml',
    content: stringify(resource, { lineWidth: 0 }),
  };
}

/**
 * Renders intents into Linkerd resources, one YAML document each, in the order to apply them.
 * Names are unique across kinds. A `Service` resource is an annotations-only patch of an
 * existing Service, for server-side apply with the harness's own field manager (removing it =
 * applying it again without annotations; never delete it).
 */
export function renderLinkerd(
  intents: readonly Intent[],
  at: LinkerdPlacement = defaultLinkerdPlacement,
): RenderedResource[] {
  return renderLinkerdResources(intents, at).map(toRenderedResource);
}

/**
 * The extra fixtures the intents' abort faults need, one per distinct (service, status), in
 * first-use order. Pure: the platform deploys them (meshed, in the mesh namespace) as echo
 * fixtures in error-backend mode (ECHO_FAIL_STATUS): every request is answered `status` with an
 * empty body, as Linkerd's documented error injector (nginx `return 500;`) does, so the abort
 * checks, which count a response as aborted only when no echo reply came back, judge them as
 * they judge a proxy abort. Their pods do not carry `app: server` and are not in the ledger.
 */
export function faultBackendsNeeded(intents: readonly Intent[]): ExtraServer[] {
  const needed = new Map<string, ExtraServer>();
  for (const route of ofKind<HttpRouteIntent>(intents, 'HttpRoute')) {
    for (const rule of route.rules) {
      const abort = effectiveAbort(rule);
      if (!abort) continue;
      const name = faultBackendName(route.service, abort.status);
      if (needed.has(name)) continue;
      needed.set(name, { name, status: abort.status });
    }
  }
  return [...needed.values()];
}

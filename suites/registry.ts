import type { Check } from '../lib/model/index.ts';
import { hitlessRouteChange } from './chaos/hitless-route-change.ts';
import { replicaHangs } from './chaos/replica-hangs.ts';
import { serverProxyRestartKeepsPolicy } from './chaos/server-proxy-restart-keeps-policy.ts';
import { ingressGatewayIdentity } from './ingress/ingress-gateway-identity.ts';
import { ingressHostAndPathRouting } from './ingress/ingress-host-and-path-routing.ts';
import { ingressHttpsRedirect } from './ingress/ingress-https-redirect.ts';
import { ingressTlsHostCertificate } from './ingress/ingress-tls-host-certificate.ts';
import { ingressUnknownHostRefused } from './ingress/ingress-unknown-host-refused.ts';
import { metricsLatencyBuckets } from './observability/metrics-latency-buckets.ts';
import { metricsRequestCounts } from './observability/metrics-request-counts.ts';
import { connectionLimitPerService } from './resilience/circuit-connection-limit-per-service.ts';
import { connectionOverflow } from './resilience/circuit-connection-overflow.ts';
import { outlierEjection } from './resilience/circuit-outlier-ejection.ts';
import { outlierRecovery } from './resilience/circuit-outlier-recovery.ts';
import { faultAbortAll } from './resilience/fault-abort-all.ts';
import { faultAbortPercentage } from './resilience/fault-abort-percentage.ts';
import { faultDelayPercentage } from './resilience/fault-delay-percentage.ts';
import { faultHeaderScoped } from './resilience/fault-header-scoped.ts';
import { rateLimitLocal } from './resilience/ratelimit-local.ts';
import { retriesAttemptsHonoured } from './resilience/retries-attempts-honoured.ts';
import { retriesPerTryTimeout } from './resilience/retries-per-try-timeout.ts';
import { retriesRetryOnRespected } from './resilience/retries-retry-on-respected.ts';
import { timeoutBoundsRetries } from './resilience/timeout-bounds-retries.ts';
import { noPrematureTimeout } from './resilience/timeout-no-premature-timeout.ts';
import { routeTimeout } from './resilience/timeout-route-timeout.ts';
import { timeoutTrickleCutOff } from './resilience/timeout-trickle-cut-off.ts';
import { allowListedIdentity } from './security/allow-listed-identity.ts';
import { denyUnlistedIdentity } from './security/deny-unlisted-identity.ts';
import { egressAllowedHostReached } from './security/egress-allowed-host-reached.ts';
import { egressHostHeaderNotTrusted } from './security/egress-host-header-not-trusted.ts';
import { egressLookalikeHostRefused } from './security/egress-lookalike-host-refused.ts';
import { egressUnlistedHostRefused } from './security/egress-unlisted-host-refused.ts';
import { forgedIdentityHeader } from './security/forged-identity-header.ts';
import { identityPresented } from './security/identity-presented.ts';
import { jwtAccessByClaim } from './security/jwt-access-by-claim.ts';
import { jwtInvalidTokenRefused } from './security/jwt-invalid-token-refused.ts';
import { jwtPrincipalRequired } from './security/jwt-principal-required.ts';
import { jwtValidTokenAdmitted } from './security/jwt-valid-token-admitted.ts';
import { methodAndPath } from './security/method-and-path.ts';
import { normalizedPath } from './security/normalized-path.ts';
import { pathPrefixBoundary } from './security/path-prefix-boundary.ts';
import { permissiveAcceptsPlaintext } from './security/permissive-accepts-plaintext.ts';
import { permissiveImpostorsUnidentified } from './security/permissive-impostors-unidentified.ts';
import { strictRejectsImpostors } from './security/strict-rejects-impostors.ts';
import { strictRejectsPlaintext } from './security/strict-rejects-plaintext.ts';
import { headerMatch } from './traffic/header-match.ts';
import { mirrorPercentage } from './traffic/mirror-percentage.ts';
import { weights5050 } from './traffic/weights-50-50.ts';
import { weights9010 } from './traffic/weights-90-10.ts';
import { weightsThreeWay } from './traffic/weights-three-way.ts';
import { weightsZeroWeight } from './traffic/weights-zero-weight.ts';

/** Every conformance check, in run order. Ids are a contract: never rename one. */
export const registry: readonly Check[] = [
  strictRejectsPlaintext,
  permissiveAcceptsPlaintext,
  identityPresented,
  allowListedIdentity,
  denyUnlistedIdentity,
  methodAndPath,
  headerMatch,
  weights9010,
  weights5050,
  weightsThreeWay,
  mirrorPercentage,
  retriesAttemptsHonoured,
  retriesRetryOnRespected,
  retriesPerTryTimeout,
  routeTimeout,
  noPrematureTimeout,
  faultAbortPercentage,
  faultAbortAll,
  faultDelayPercentage,
  faultHeaderScoped,
  connectionOverflow,
  outlierEjection,
  rateLimitLocal,
  strictRejectsImpostors,
  permissiveImpostorsUnidentified,
  forgedIdentityHeader,
  pathPrefixBoundary,
  normalizedPath,
  timeoutBoundsRetries,
  timeoutTrickleCutOff,
  connectionLimitPerService,
  weightsZeroWeight,
  outlierRecovery,
  jwtValidTokenAdmitted,
  jwtInvalidTokenRefused,
  jwtPrincipalRequired,
  jwtAccessByClaim,
  ingressTlsHostCertificate,
  ingressHostAndPathRouting,
  ingressHttpsRedirect,
  ingressUnknownHostRefused,
  ingressGatewayIdentity,
  metricsRequestCounts,
  metricsLatencyBuckets,
  egressAllowedHostReached,
  egressUnlistedHostRefused,
  egressLookalikeHostRefused,
  egressHostHeaderNotTrusted,
  hitlessRouteChange,
  serverProxyRestartKeepsPolicy,
  replicaHangs,
] as readonly Check[];

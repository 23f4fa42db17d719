import { latencyEvidence } from '../../lib/judges/latency.ts';
import type { Capability } from '../../lib/meshes/capabilities.ts';
import type { Check, CheckResult, CheckStatus, Observation } from '../../lib/model/index.ts';
import { attempts, defineCheck, Feature, values } from '../../lib/model/index.ts';
import { buildConformanceReport, type ConformanceReport } from '../../lib/report/conformance-report.ts';
import type { RunConfig } from '../../lib/runner/run-config.ts';
import { decideRatio } from '../../lib/stats/index.ts';

/**
 * Small, deterministic report data for the report tests: a failing run with one check of every
 * status and every well-known evidence shape, built with the real judges' evidence functions so
 * the shapes cannot drift from what runs produce.
 */

function fixtureCheck(
  id: string,
  description: string,
  features: readonly Feature[],
  profile: Check['profile'],
) {
  return defineCheck({
    id,
    description,
    features,
    profile,
    intents: [],
    traffic: {},
    judge: () => ({ status: 'PASSED', want: '', got: '', evidence: {} }),
  });
}

/** The fixture suite, in run order. */
export const fixtureRegistry: readonly Check[] = [
  fixtureCheck(
    'security.mtls.identity-presented',
    "The server app is shown each meshed caller's exact identity.",
    [Feature.IdentityHeader],
    'core',
  ),
  fixtureCheck(
    'security.authz.deny-unlisted-identity',
    'Once an access policy selects the server, a meshed caller it does not list and a caller without identity get 403, and the app never sees their requests.',
    [Feature.AuthzByIdentity],
    'core',
  ),
  fixtureCheck(
    'traffic.weights.90-10',
    "The client's requests split v1 90 / v2 10 across versions as the route's weights say (each share within ±5 points, false-failure rate 0.00001).",
    [Feature.WeightedRouting],
    'core',
  ),
  fixtureCheck(
    'traffic.mirror.percentage',
    'Mirroring 50% of requests from v1 to v2: the share of requests the server apps see twice is 50%.',
    [Feature.Mirroring],
    'extended',
  ),
  fixtureCheck(
    'resilience.retries.attempts-honoured',
    'With 2 retries on 5xx, a request whose first 2 attempts fail succeeds after exactly 3 attempts (counted by the server).',
    [Feature.Retries],
    'core',
  ),
  fixtureCheck(
    'resilience.retries.per-try-timeout',
    'With a 200 ms per-try timeout, a request whose first attempt would take 1500 ms is retried at the timeout and succeeds on attempt 2.',
    [Feature.Retries, Feature.Timeouts],
    'core',
  ),
  fixtureCheck(
    'resilience.timeout.route-timeout',
    'With a 300 ms route timeout and no retries, a server taking 2000 ms yields 504 to the client within 285–550 ms.',
    [Feature.Timeouts],
    'core',
  ),
  fixtureCheck(
    'resilience.fault.abort-percentage',
    'An abort fault of 503 at 10% aborts that share of requests before they reach the server.',
    [Feature.FaultAbort],
    'extended',
  ),
  fixtureCheck(
    'resilience.ratelimit.local',
    'With a local limit of 10 requests per second on the server, a burst of 60 requests gets at most the budget through.',
    [Feature.RateLimit],
    'extended',
  ),
];

/** The fixture mesh's capability matrix: everything but mirroring. */
export const fixtureCapabilities: readonly Capability[] = [
  Feature.IdentityHeader,
  Feature.AuthzByIdentity,
  Feature.WeightedRouting,
  Feature.Mirroring,
  Feature.Retries,
  Feature.Timeouts,
  Feature.FaultAbort,
  Feature.RateLimit,
].map((feature) =>
  feature === Feature.Mirroring
    ? {
        feature,
        supported: false,
        reason: 'haproxy 2.6 cannot copy a request to a second backend without an external SPOE agent',
      }
    : { feature, supported: true },
);

const clientConfig = `frontend outbound
  bind 127.0.0.1:35383
  use_backend server-weighted if { var(txn.service) -m str server }

backend server-weighted
  balance random
  server server-v1 127.0.0.1:42597 weight 90 ssl crt client.pem ca-file ca.pem verify required
  server server-v2 127.0.0.1:43595 weight 10 ssl crt client.pem ca-file ca.pem verify required
`;

const observations = (latencies: readonly number[], status: number): Observation[] =>
  latencies.map((latencyMs, i) => ({ requestId: `r${i}`, outcome: 'response', status, latencyMs }));

const weights = decideRatio({
  targets: { v1: 0.9, v2: 0.1 },
  tolerance: 0.05,
  alpha: 1e-5,
  counts: { v1: 1109, v2: 291 },
  look: 7,
  maxLooks: 23,
});

const aborts = decideRatio({
  targets: { aborted: 0.1 },
  tolerance: 0.05,
  alpha: 1e-5,
  counts: { passed: 905, aborted: 95 },
  look: 5,
  maxLooks: 22,
});

/** Results of the failing fixture run, one per status and evidence shape (ratelimit did not run). */
export const fixtureResults: readonly CheckResult[] = [
  {
    id: 'security.mtls.identity-presented',
    description: "The server app is shown each meshed caller's exact identity.",
    status: 'ERROR',
    profile: 'core',
    features: [Feature.IdentityHeader],
    durationMs: 1210,
    want: 'the harness runs the check to a verdict',
    got: 'the harness broke: connect ECONNREFUSED 127.0.0.1:41234',
    reason: 'connect ECONNREFUSED 127.0.0.1:41234',
    evidence: {},
  },
  {
    id: 'security.authz.deny-unlisted-identity',
    description:
      'Once an access policy selects the server, a meshed caller it does not list and a caller without identity get 403, and the app never sees their requests.',
    status: 'FAILED',
    profile: 'core',
    features: [Feature.AuthzByIdentity],
    durationMs: 1630,
    want: 'frontend (not listed): 403 ×20; outsider (no identity): 403 ×20; none reach the app',
    got: 'frontend: 200 ×20; outsider: 200 ×20; 40 reached the app',
    propagationMs: null,
    evidence: {
      ...values({ deniedFrontend: 0, deniedOutsider: 0, reachedApp: 40 }),
      requests: { kind: 'requests', byTraffic: { frontend: 20, outsider: 20 } },
    },
    resources: [
      {
        kind: 'haproxy.cfg',
        name: 'sidecar/server-v1',
        format: 'haproxy',
        content:
          'frontend inbound-mtls\n  bind 127.0.0.1:42597 ssl crt server.pem verify required\n  default_backend app\n',
      },
    ],
    diagnostics: [
      {
        title: 'sidecar/server-v1 log (last lines)',
        content:
          '127.0.0.1:38244 [21/Nov/2026:15:08:21.165] inbound-mtls~ app/app 0/0/0/3/3 200 993 - - ---- 10/5/0/0/0 0/0 "GET / HTTP/1.1"\n<no policy rendered>',
      },
    ],
  },
  {
    id: 'traffic.weights.90-10',
    description:
      "The client's requests split v1 90 / v2 10 across versions as the route's weights say (each share within ±5 points, false-failure rate 0.00001).",
    status: 'FAILED',
    profile: 'core',
    features: [Feature.WeightedRouting],
    durationMs: 1480,
    want: 'v1 90%, v2 10% (each ± 5 points, false-failure rate ≤ 0.00001)',
    got: 'v1 served 1109/1400 = 79.2% (99.999% simultaneous CI 73.2–84.5%), target 90% ± 5 points; v2 served 291/1400 = 20.8% (99.999% simultaneous CI 15.5–26.8%), target 10% ± 5 points',
    propagationMs: 330,
    alpha: 1e-5,
    evidence: {
      ratio: {
        kind: 'ratio',
        verdict: weights,
        counts: { v1: 1109, v2: 291 },
        sampling: { batchSize: 200, maxRequests: 4600, maxLooks: 23 },
      },
      requests: { kind: 'requests', byTraffic: { split: 1400 } },
    },
    resources: [{ kind: 'haproxy.cfg', name: 'sidecar/client', format: 'haproxy', content: clientConfig }],
    diagnostics: [
      {
        title: 'sidecar/client log (last lines)',
        content:
          '127.0.0.1:46508 [21/Nov/2026:15:08:28.541] outbound server-weighted/server-v2 0/0/0/4/4 200 963 - - ---- 16/16/3/3/0 0/0 "GET / HTTP/1.1"',
      },
    ],
  },
  {
    id: 'traffic.mirror.percentage',
    description:
      'Mirroring 50% of requests from v1 to v2: the share of requests the server apps see twice is 50%.',
    status: 'NOT_SUPPORTED',
    profile: 'extended',
    features: [Feature.Mirroring],
    durationMs: 0,
    want: 'the mesh supports the features this check needs',
    got: 'reference does not support Mirroring',
    reason: 'Mirroring: haproxy 2.6 cannot copy a request to a second backend without an external SPOE agent',
    evidence: {},
  },
  {
    id: 'resilience.retries.attempts-honoured',
    description:
      'With 2 retries on 5xx, a request whose first 2 attempts fail succeeds after exactly 3 attempts (counted by the server).',
    status: 'PASSED',
    profile: 'core',
    features: [Feature.Retries],
    durationMs: 270,
    want: 'fail first 2: 2xx after exactly 3 attempts (×4); fail first 3: failure after exactly 3 attempts (×4)',
    got: 'fail first 2: 200 ×4, 3 attempts ×4; fail first 3: 503 ×4, 3 attempts ×4',
    propagationMs: 179,
    evidence: {
      ...values({ retries: 2 }),
      attempts: attempts({ recovers: [3, 3, 3, 3], exhausts: [3, 3, 3, 3] }),
      requests: { kind: 'requests', byTraffic: { recovers: 4, exhausts: 4 } },
    },
  },
  {
    id: 'resilience.retries.per-try-timeout',
    description:
      'With a 200 ms per-try timeout, a request whose first attempt would take 1500 ms is retried at the timeout and succeeds on attempt 2.',
    status: 'PASSED',
    profile: 'core',
    features: [Feature.Retries, Feature.Timeouts],
    durationMs: 381,
    want: '2xx from attempt 2 ×5, each within 180–1200 ms',
    got: '200 ×5; answering attempt 2; 2 attempts ×5; latency 214–227 ms',
    propagationMs: 149,
    evidence: {
      ...values({ perTryTimeoutMs: 200 }),
      latenciesMs: {
        kind: 'latencies',
        valuesMs: [222, 224, 214, 225, 227],
        marks: [{ label: 'per try timeout', ms: 200 }],
      },
      attempts: attempts({ slowFirst: [2, 2, 2, 2, 2] }),
      requests: { kind: 'requests', byTraffic: { slowFirst: 5 } },
    },
  },
  {
    id: 'resilience.timeout.route-timeout',
    description:
      'With a 300 ms route timeout and no retries, a server taking 2000 ms yields 504 to the client within 285–550 ms.',
    status: 'FAILED',
    profile: 'core',
    features: [Feature.Timeouts],
    durationMs: 2310,
    want: '504 ×10, each arriving within 285–550 ms',
    got: '200 ×10; latency min 2017 / p50 2024 / max 2025 ms',
    propagationMs: 225,
    evidence: {
      ...values({ timeoutMs: 300 }),
      latency: latencyEvidence(
        observations([2017, 2019, 2020, 2022, 2023, 2024, 2024, 2025, 2025, 2025], 200),
        { fromMs: 285, toMs: 550 },
        [{ label: 'timeout', ms: 300 }],
      ),
      requests: { kind: 'requests', byTraffic: { slow: 10 } },
    },
  },
  {
    id: 'resilience.fault.abort-percentage',
    description: 'An abort fault of 503 at 10% aborts that share of requests before they reach the server.',
    status: 'PASSED',
    profile: 'extended',
    features: [Feature.FaultAbort],
    durationMs: 620,
    want: 'aborted 10% (each ± 5 points, false-failure rate ≤ 0.00001)',
    got: 'aborted served 95/1000 = 9.5% (99.999% simultaneous CI 5.5–14.9%), target 10% ± 5 points',
    propagationMs: 210,
    alpha: 1e-5,
    evidence: {
      ratio: {
        kind: 'ratio',
        verdict: aborts,
        counts: { passed: 905, aborted: 95 },
        sampling: { batchSize: 200, maxRequests: 4400, maxLooks: 22 },
      },
      requests: { kind: 'requests', byTraffic: { requests: 1000 } },
    },
  },
];

/** The fixture run's configuration; `only` leaves the rate-limit check SKIPPED. */
export function fixtureRunConfig(outputDir = '/tmp/meshproof-fixture'): RunConfig {
  return {
    runId: '20261121-150816-reference-f1x7',
    mesh: 'reference',
    routing: 'virtual-service',
    platform: 'local',
    only: ['security.*', 'traffic.*', 'resilience.retries', 'resilience.timeout', 'resilience.fault'],
    defects: [],
    workDir: '/tmp/meshproof-fixture-work',
    outputDir,
  };
}

/** The fixture environment, fixed so renderings are byte-for-byte stable. */
export const fixtureEnvironment: ConformanceReport['environment'] = {
  node: 'v24.21.0',
  os: 'linux',
  arch: 'x64',
  cpus: 2,
};

/** A failing run: one check of every status and every well-known evidence shape. */
export function failingFixtureReport(): ConformanceReport {
  return buildConformanceReport({
    config: fixtureRunConfig(),
    registry: fixtureRegistry,
    results: fixtureResults,
    meshVersion: 'haproxy 2.6.12',
    harnessVersion: '0.1.0',
    capabilities: fixtureCapabilities,
    startedAt: new Date('2026-11-21T15:08:16.000Z'),
    finishedAt: new Date('2026-11-21T15:08:49.600Z'),
    environment: fixtureEnvironment,
  });
}

/**
 * The fixture report with some checks' statuses replaced (and the summary and verdict
 * recomputed), for diff tests: `withStatuses(report, { 'traffic.weights.90-10': 'PASSED' })`.
 */
export function withStatuses(
  report: ConformanceReport,
  statuses: Readonly<Record<string, CheckStatus>>,
  overrides: Partial<Omit<ConformanceReport, 'checks' | 'summary' | 'verdict'>> = {},
): ConformanceReport {
  const checks = report.checks.map((check) => {
    const status = statuses[check.id];
    return status ? { ...check, status } : check;
  });
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const summary = {
    total: checks.length,
    passed: count('PASSED'),
    failed: count('FAILED'),
    notSupported: count('NOT_SUPPORTED'),
    skipped: count('SKIPPED'),
    errored: count('ERROR'),
  };
  return {
    ...report,
    ...overrides,
    checks,
    summary,
    verdict: summary.failed + summary.errored === 0 ? 'PASSED' : 'FAILED',
  };
}

/** The fixture run as it looks on a conformant mesh: every check that ran passed. */
export function passingFixtureReport(): ConformanceReport {
  return withStatuses(failingFixtureReport(), {
    'security.mtls.identity-presented': 'PASSED',
    'security.authz.deny-unlisted-identity': 'PASSED',
    'traffic.weights.90-10': 'PASSED',
    'resilience.timeout.route-timeout': 'PASSED',
  });
}

/** A bare check result with a status (and what was got), for aggregation tests. */
export function resultWithStatus(id: string, status: CheckStatus, got = 'g'): CheckResult {
  return {
    id,
    description: '',
    status,
    profile: 'core',
    features: [],
    durationMs: 1,
    want: 'w',
    got,
    evidence: {},
  };
}

/**
 * Monte Carlo benchmark of the ratio decision rule under its sequential sampling plan, next to
 * the fixed rule "500 requests, pass if every observed share is within ±5 points" (Gateway API's
 * conformance rule for weights). Run with `npm run bench:stats`; not part of the tests.
 *
 * Each scenario is simulated with a seeded PRNG (repeatable), drawing one binomial count per
 * batch. A 1e-5 false-failure rate cannot be estimated by simulation in reasonable time, so every
 * simulated rate is shown with a one-sided 95% Clopper–Pearson bound, and next to it the exact
 * probability, computed by propagating the distribution of the cumulative count look by look
 * (a dynamic programme over the same decision function).
 */
import { clopperPearsonInterval } from '../binomial.ts';
import { decideRatio, type RatioDecision, type RatioReason } from '../equivalence.ts';
import { planRatioSampling, type SamplingPlan } from '../sequential.ts';

const TRIALS = Number(process.env.STATS_BENCH_TRIALS ?? 20_000);
const SEED = 0x6d657368; // "mesh"
const ALPHA = 1e-5;
const TOLERANCE = 0.05;
const FIXED_REQUESTS = 500;

interface Scenario {
  readonly label: string;
  /** Target share of the first category (two categories: p and 1 − p). */
  readonly target: number;
  /** True share of the first category. */
  readonly truth: number;
  /** Whether a FAIL is the right answer (detection) or a false failure. */
  readonly meshIsWrong: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { label: 'correct 90/10', target: 0.9, truth: 0.9, meshIsWrong: false },
  { label: 'correct 50/50', target: 0.5, truth: 0.5, meshIsWrong: false },
  { label: '88/12 vs 90/10 (in band)', target: 0.9, truth: 0.88, meshIsWrong: false },
  { label: '87/13 vs 90/10 (in band)', target: 0.9, truth: 0.87, meshIsWrong: false },
  { label: '85/15 vs 90/10 (at edge)', target: 0.9, truth: 0.85, meshIsWrong: true },
  { label: '80/20 vs 90/10', target: 0.9, truth: 0.8, meshIsWrong: true },
];

// --- Seeded PRNG: xoshiro128** seeded through splitmix32 -------------------------------------

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Uniform doubles in [0, 1) with 53 random bits. */
function xoshiro128ss(seed: number): () => number {
  const init = splitmix32(seed);
  const s = new Uint32Array([init(), init(), init(), init()]);
  const next32 = () => {
    const result = Math.imul(rotl(Math.imul(s[1] ?? 0, 5), 7), 9) >>> 0;
    const t = (s[1] ?? 0) << 9;
    s[2] = (s[2] ?? 0) ^ (s[0] ?? 0);
    s[3] = (s[3] ?? 0) ^ (s[1] ?? 0);
    s[1] = (s[1] ?? 0) ^ (s[2] ?? 0);
    s[0] = (s[0] ?? 0) ^ (s[3] ?? 0);
    s[2] = (s[2] ?? 0) ^ t;
    s[3] = rotl(s[3] ?? 0, 11);
    return result;
  };
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// --- Binomial distribution --------------------------------------------------------------------

/** Binomial(n, p) probabilities, by the ratio recurrence in log space (no underflow at n ~ 10^4). */
function binomialPmf(n: number, p: number): Float64Array {
  const pmf = new Float64Array(n + 1);
  const logRatio = Math.log(p) - Math.log1p(-p);
  let log = n * Math.log1p(-p);
  for (let k = 0; k <= n; k++) {
    pmf[k] = Math.exp(log);
    log += Math.log((n - k) / (k + 1)) + logRatio;
  }
  return pmf;
}

/** A sampler of Binomial(n, p) by inversion of a precomputed CDF: one binary search per draw. */
function binomialSampler(n: number, p: number, uniform: () => number): () => number {
  const cdf = binomialPmf(n, p);
  for (let k = 1; k <= n; k++) cdf[k] = (cdf[k] ?? 0) + (cdf[k - 1] ?? 0);
  return () => {
    const u = uniform();
    let low = 0;
    let high = n;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cdf[mid] ?? 1) > u) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

// --- The sequential rule ----------------------------------------------------------------------

type Outcome = 'PASS' | 'FAIL-outside' | 'FAIL-inconclusive' | 'CONTINUE';

function outcomeOf(decision: RatioDecision, reason: RatioReason): Outcome {
  if (decision === 'PASS') return 'PASS';
  if (decision === 'CONTINUE') return 'CONTINUE';
  return reason === 'inconclusive' ? 'FAIL-inconclusive' : 'FAIL-outside';
}

/**
 * The rule as a function of (look, first-category count), memoised: the verdict depends on
 * nothing else, and a few thousand distinct (look, count) pairs cover all trials.
 */
function memoisedRule(target: number, plan: SamplingPlan): (look: number, k: number) => Outcome {
  const targets = { first: target, second: 1 - target };
  const cache = new Map<number, Outcome>();
  return (look, k) => {
    const key = look * (plan.maxRequests + 1) + k;
    let outcome = cache.get(key);
    if (outcome === undefined) {
      const n = look * plan.batchSize;
      const verdict = decideRatio({
        targets,
        tolerance: TOLERANCE,
        alpha: ALPHA,
        counts: { first: k, second: n - k },
        look,
        maxLooks: plan.maxLooks,
      });
      outcome = outcomeOf(verdict.decision, verdict.reason);
      cache.set(key, outcome);
    }
    return outcome;
  };
}

interface Result {
  /** Fraction of trials ending in FAIL (any reason). */
  readonly failRate: number;
  readonly inconclusiveRate: number;
  readonly medianRequests: number;
  readonly p95Requests: number;
}

interface Simulated extends Result {
  readonly failures: number;
}

function quantileOfSorted(sorted: Float64Array | readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function simulateSequential(scenario: Scenario, plan: SamplingPlan, seed: number): Simulated {
  const rule = memoisedRule(scenario.target, plan);
  const draw = binomialSampler(plan.batchSize, scenario.truth, xoshiro128ss(seed));
  const used = new Float64Array(TRIALS);
  let failures = 0;
  let inconclusive = 0;
  for (let trial = 0; trial < TRIALS; trial++) {
    let k = 0;
    for (let look = 1; ; look++) {
      k += draw();
      const outcome = rule(look, k);
      if (outcome === 'CONTINUE') continue;
      used[trial] = look * plan.batchSize;
      if (outcome !== 'PASS') failures++;
      if (outcome === 'FAIL-inconclusive') inconclusive++;
      break;
    }
  }
  used.sort();
  return {
    failures,
    failRate: failures / TRIALS,
    inconclusiveRate: inconclusive / TRIALS,
    medianRequests: quantileOfSorted(used, 0.5),
    p95Requests: quantileOfSorted(used, 0.95),
  };
}

/**
 * Exact operating characteristics: the mass of trials still running is carried as a distribution
 * over the cumulative count, convolved with one batch per look, and split by the rule's outcome.
 */
function exactSequential(scenario: Scenario, plan: SamplingPlan): Result {
  const rule = memoisedRule(scenario.target, plan);
  const batch = binomialPmf(plan.batchSize, scenario.truth);
  let running = new Float64Array([1]);
  let fail = 0;
  let inconclusive = 0;
  const stoppedAt = new Float64Array(plan.maxLooks + 1);
  for (let look = 1; look <= plan.maxLooks; look++) {
    const next = new Float64Array(running.length + plan.batchSize);
    running.forEach((mass, k) => {
      // Mass below 1e-300 cannot move any reported figure.
      if (mass < 1e-300) return;
      for (let j = 0; j <= plan.batchSize; j++) next[k + j] = (next[k + j] ?? 0) + mass * (batch[j] ?? 0);
    });
    next.forEach((mass, k) => {
      if (mass === 0) return;
      const outcome = rule(look, k);
      if (outcome === 'CONTINUE') return;
      stoppedAt[look] = (stoppedAt[look] ?? 0) + mass;
      if (outcome !== 'PASS') fail += mass;
      if (outcome === 'FAIL-inconclusive') inconclusive += mass;
      next[k] = 0;
    });
    running = next;
  }
  const requestsQuantile = (q: number) => {
    let cumulative = 0;
    for (let look = 1; look <= plan.maxLooks; look++) {
      cumulative += stoppedAt[look] ?? 0;
      if (cumulative >= q) return look * plan.batchSize;
    }
    return plan.maxRequests;
  };
  return {
    failRate: fail,
    inconclusiveRate: inconclusive,
    medianRequests: requestsQuantile(0.5),
    p95Requests: requestsQuantile(0.95),
  };
}

/** The fixed rule: FAIL unless every observed share is within ±tolerance of its target. */
function fixedRuleFails(target: number, k: number): boolean {
  // Compare in counts, not floating shares, so that a share exactly on the edge counts as within.
  const allowed = Math.round(TOLERANCE * FIXED_REQUESTS);
  return Math.abs(k - Math.round(target * FIXED_REQUESTS)) > allowed;
}

function simulateFixed(scenario: Scenario, seed: number): Simulated {
  const draw = binomialSampler(FIXED_REQUESTS, scenario.truth, xoshiro128ss(seed));
  let failures = 0;
  for (let trial = 0; trial < TRIALS; trial++) if (fixedRuleFails(scenario.target, draw())) failures++;
  return {
    failures,
    failRate: failures / TRIALS,
    inconclusiveRate: 0,
    medianRequests: FIXED_REQUESTS,
    p95Requests: FIXED_REQUESTS,
  };
}

function exactFixed(scenario: Scenario): Result {
  const pmf = binomialPmf(FIXED_REQUESTS, scenario.truth);
  let fail = 0;
  pmf.forEach((mass, k) => {
    if (fixedRuleFails(scenario.target, k)) fail += mass;
  });
  return { failRate: fail, inconclusiveRate: 0, medianRequests: FIXED_REQUESTS, p95Requests: FIXED_REQUESTS };
}

// --- Report -----------------------------------------------------------------------------------

/**
 * The simulated rate with a one-sided 95% bound in the direction that matters: an upper bound for
 * a false-failure rate, a lower bound for a detection rate.
 */
function rateWithBound(failures: number, meshIsWrong: boolean): string {
  const interval = clopperPearsonInterval(failures, TRIALS, 0.1);
  const rate = failures / TRIALS;
  return meshIsWrong
    ? `${percent(rate)} (≥ ${percent(interval.lower)})`
    : `${percent(rate)} (≤ ${percent(interval.upper)})`;
}

/** Rates as percentages; below 0.1% in scientific notation, where the rates of interest live. */
function percent(x: number): string {
  if (x === 0) return '0%';
  return x < 1e-3 ? `${(x * 100).toExponential(1)}%` : `${(x * 100).toFixed(2)}%`;
}

/** A share as a whole-ish percentage without binary noise: 0.1 → "10". */
function percentage(x: number): string {
  return String(Number((x * 100).toFixed(4)));
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ');
}

function main(): void {
  const started = performance.now();
  const header = [
    'scenario',
    'rule',
    'FAIL rate, simulated (95% bound)',
    'FAIL rate, exact',
    'inconclusive',
    'median req',
    'p95 req',
  ];
  const rows: string[][] = [];
  const plans = new Map<number, string>();
  SCENARIOS.forEach((scenario, index) => {
    const plan = planRatioSampling({
      targets: { first: scenario.target, second: 1 - scenario.target },
      tolerance: TOLERANCE,
      alpha: ALPHA,
    });
    plans.set(
      scenario.target,
      `plan for target ${percentage(scenario.target)}/${percentage(1 - scenario.target)}: ` +
        `batch ${plan.batchSize}, cap ${plan.maxRequests} requests (${plan.maxLooks} looks)`,
    );
    const seed = SEED + index;
    const sequential = simulateSequential(scenario, plan, seed);
    const sequentialExact = exactSequential(scenario, plan);
    const fixed = simulateFixed(scenario, seed);
    const fixedExact = exactFixed(scenario);
    rows.push([
      scenario.label,
      'sequential CP',
      rateWithBound(sequential.failures, scenario.meshIsWrong),
      percent(sequentialExact.failRate),
      `${percent(sequential.inconclusiveRate)} / ${percent(sequentialExact.inconclusiveRate)}`,
      `${sequential.medianRequests} / ${sequentialExact.medianRequests}`,
      `${sequential.p95Requests} / ${sequentialExact.p95Requests}`,
    ]);
    rows.push([
      '',
      'fixed 500, ±5 pts',
      rateWithBound(fixed.failures, scenario.meshIsWrong),
      percent(fixedExact.failRate),
      '-',
      String(FIXED_REQUESTS),
      String(FIXED_REQUESTS),
    ]);
  });

  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  console.log(
    `Ratio rule benchmark: alpha ${ALPHA.toExponential()}, tolerance ±${TOLERANCE * 100} points, ${TRIALS} trials per scenario and rule`,
  );
  for (const line of plans.values()) console.log(`  ${line}`);
  console.log();
  console.log(row(header, widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) console.log(row(r, widths));
  console.log();
  console.log(
    'FAIL rate: a false-failure rate for a mesh within tolerance, a detection rate for one outside or',
  );
  console.log(
    'on the edge. The simulated rate comes with a one-sided 95% Clopper–Pearson bound (upper for false',
  );
  const zeroBound = percent(clopperPearsonInterval(0, TRIALS, 0.1).upper);
  console.log(
    `failures, lower for detections); with 0 failures in ${TRIALS} trials that bound is ${zeroBound},`,
  );
  console.log(
    `so only the exact column can show the ${ALPHA.toExponential()} target being met. "inconclusive" and request`,
  );
  console.log('figures: simulated / exact. The fixed rule always uses 500 requests.');
  console.log(`Finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

main();

/**
 * Statistics for judging a mesh from observed traffic: binomial confidence intervals, the
 * sequential equivalence rule for ratios (weights, fault rates) with its sampling plan, and
 * latency histograms.
 */
export type { Interval } from './binomial.ts';
export { clopperPearsonInterval, twoSidedZ, wilsonInterval } from './binomial.ts';
export type {
  CategoryVerdict,
  RatioCheckInput,
  RatioDecision,
  RatioReason,
  RatioVerdict,
} from './equivalence.ts';
export {
  DEFAULT_RATIO_ALPHA,
  decideRatio,
  describeRatioVerdict,
  perIntervalAlpha,
  validateTargets,
} from './equivalence.ts';
export type { LatencyBucket, LatencyHistogram, LatencySummary } from './histogram.ts';
export {
  createLatencyHistogram,
  decodeLatencyHistogram,
  encodeLatencyHistogram,
  latencyBuckets,
  mergeLatencyHistograms,
  recordLatencyMs,
  summarizeLatency,
} from './histogram.ts';
export type { RatioSamplingOptions, SamplingPlan } from './sequential.ts';
export { expectedHalfWidth, planRatioSampling } from './sequential.ts';

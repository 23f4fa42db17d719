import { defineWeightsCheck } from './define-weights-check.ts';

/** An even split, the hardest to tell from a skewed one (widest binomial intervals). */
export const weights5050 = defineWeightsCheck('traffic.weights.50-50', { v1: 50, v2: 50 });

import { defineWeightsCheck } from './define-weights-check.ts';

/** Three versions at once: every share is judged, with Bonferroni across the three. */
export const weightsThreeWay = defineWeightsCheck('traffic.weights.three-way', { v1: 60, v2: 30, v3: 10 });

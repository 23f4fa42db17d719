import { defineWeightsCheck } from './define-weights-check.ts';

/** The canonical canary split. */
export const weights9010 = defineWeightsCheck('traffic.weights.90-10', { v1: 90, v2: 10 });

import { describe, expect, it } from 'vitest';
import {
  formatConfidence,
  formatDuration,
  formatNumber,
  formatPercent,
  formatProbability,
  formatSigned,
  formatTimestamp,
} from './html-text.ts';

describe('number formats', () => {
  it.each([
    [formatNumber(12), '12'],
    [formatNumber(12.345, 2), '12.35'],
    [formatNumber(-0.01, 1), '0'],
    [formatPercent(0.91642), '91.6%'],
    [formatPercent(1), '100.0%'],
    [formatDuration(18), '18 ms'],
    [formatDuration(2310), '2.3 s'],
    [formatDuration(65_000), '1 min 05 s'],
    [formatProbability(0.00005), '5.0e-5'],
    [formatProbability(0), '0'],
    [formatProbability(0.05), '0.05'],
    [formatConfidence(1e-5), '99.999%'],
    [formatConfidence(0.05), '95%'],
    [formatConfidence(2.2e-7), '99.99998%'],
    [formatTimestamp('2026-11-21T15:07:51.126Z'), '2026-11-21 15:07:51 UTC'],
    [formatTimestamp('yesterday'), 'yesterday'],
  ])('%j', (formatted, expected) => {
    expect(formatted).toBe(expected);
  });
});

describe('formatSigned', () => {
  it.each([
    [0.2364, '+0.236'],
    [-1.5, '−1.500'],
    [0, '+0.000'],
    [-0.0001, '+0.000'],
    [12.4245, '+12.425'],
  ])('%d → %s', (value, text) => {
    expect(formatSigned(value)).toBe(text);
  });
});

import { mergeLatencyHistograms } from '../stats/histogram.ts';
import type { BenchHalf, BenchWindow, ProxyRole } from './bench-types.ts';
import type { AvgMax, ResourceUsage } from './proc-stats.ts';

/** Averages weighted by the slices' lengths, the maximum of maxima. */
function mergeAvgMax(parts: readonly { value: AvgMax; weight: number }[]): AvgMax {
  const weight = parts.reduce((sum, p) => sum + p.weight, 0);
  return {
    avg: weight > 0 ? parts.reduce((sum, p) => sum + p.value.avg * p.weight, 0) / weight : 0,
    max: Math.max(...parts.map((p) => p.value.max)),
  };
}

function mergeUsage(
  parts: readonly { usage: ResourceUsage | null | undefined; weight: number }[],
): ResourceUsage | null {
  const measured = parts.flatMap((p) => (p.usage ? [{ usage: p.usage, weight: p.weight }] : []));
  if (measured.length === 0) return null;
  return {
    cpuMillicores: mergeAvgMax(measured.map((p) => ({ value: p.usage.cpuMillicores, weight: p.weight }))),
    memoryMiB: mergeAvgMax(measured.map((p) => ({ value: p.usage.memoryMiB, weight: p.weight }))),
    samples: measured.reduce((sum, p) => sum + p.usage.samples, 0),
  };
}

function weightedMean(parts: readonly { value: number | null; weight: number }[]): number | null {
  const known = parts.filter((p): p is { value: number; weight: number } => p.value !== null);
  const weight = known.reduce((sum, p) => sum + p.weight, 0);
  return known.length === 0 || weight === 0
    ? null
    : known.reduce((sum, p) => sum + p.value * p.weight, 0) / weight;
}

function sumOrNull(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
}

/**
 * One window from its slices (pure): counts and histograms add up, rates and utilisations are
 * weighted by each slice's length, maxima stay maxima; the generator's busiest slice decides its
 * headroom.
 */
export function mergeSlices(slices: readonly BenchWindow[]): BenchWindow {
  const [first] = slices;
  if (!first) throw new RangeError('mergeSlices needs at least one slice');
  if (slices.length === 1) return first;
  const weight = (w: BenchWindow) => w.elapsedMs;
  const elapsedMs = slices.reduce((sum, w) => sum + w.elapsedMs, 0);
  const errorKinds: Record<string, number> = {};
  for (const w of slices)
    for (const [k, n] of Object.entries(w.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  const histograms = (pick: (w: BenchWindow) => BenchWindow['serviceTime']) => {
    const all = slices.map(pick);
    return all.every((h) => h !== null)
      ? mergeLatencyHistograms(all as NonNullable<BenchWindow['serviceTime']>[])
      : null;
  };
  const roles = [...new Set(slices.flatMap((w) => Object.keys(w.proxies)))] as ProxyRole[];
  const utilisations = slices.map((w) => w.generator.eventLoopUtilization);
  return {
    rateRps: first.rateRps,
    mode: first.mode,
    repetition: first.repetition,
    scheduled: slices.reduce((sum, w) => sum + w.scheduled, 0),
    sent: slices.reduce((sum, w) => sum + w.sent, 0),
    ok: slices.reduce((sum, w) => sum + w.ok, 0),
    errors: slices.reduce((sum, w) => sum + w.errors, 0),
    errorKinds,
    dropped: slices.reduce((sum, w) => sum + w.dropped, 0),
    late: sumOrNull(slices.map((w) => w.late)),
    elapsedMs,
    achievedRps: weightedMean(slices.map((w) => ({ value: w.achievedRps, weight: weight(w) }))) ?? 0,
    latency: mergeLatencyHistograms(slices.map((w) => w.latency)),
    serviceTime: histograms((w) => w.serviceTime),
    sendLag: histograms((w) => w.sendLag),
    generator: {
      cpuMillicores: weightedMean(
        slices.map((w) => ({ value: w.generator.cpuMillicores, weight: weight(w) })),
      ),
      eventLoopUtilization: utilisations.some((u) => u === null)
        ? null
        : Math.max(...(utilisations as number[])),
    },
    proxies: Object.fromEntries(
      roles.map((role) => [
        role,
        mergeUsage(slices.map((w) => ({ usage: w.proxies[role], weight: weight(w) }))),
      ]),
    ),
    app: mergeUsage(slices.map((w) => ({ usage: w.app, weight: weight(w) }))),
    machineBusy: weightedMean(slices.map((w) => ({ value: w.machineBusy, weight: weight(w) }))),
  };
}

/** The windows of a run from its measured slices, in the order their first slice ran. */
export function windowsFromSlices(slices: readonly BenchWindow[]): BenchWindow[] {
  const groups = new Map<string, BenchWindow[]>();
  for (const s of slices) {
    const key = `${s.rateRps}/${s.mode}/${s.repetition}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map(mergeSlices);
}

/** A slice as measured: its window's figures and its 1-based position within the window. */
export interface MeasuredSlice {
  readonly slice: number;
  readonly window: BenchWindow;
}

/**
 * The run as two interleaved runs (pure): the odd-numbered and the even-numbered slices of every
 * window, pooled over the repetitions. With slices outermost in the schedule, each is a complete
 * benchmark of every point (every rate, mode and repetition) spread over the whole run, like the
 * repetitions, so that the machine's slow drift is in both alike; each holds half the data.
 * Empty when windows were not sliced.
 */
export function halvesFromSlices(slices: readonly MeasuredSlice[], sliceCount: number): BenchHalf[] {
  if (sliceCount < 2) return [];
  const groups = new Map<
    string,
    { rateRps: number; mode: BenchWindow['mode']; half: 1 | 2; parts: BenchWindow[] }
  >();
  for (const { slice, window } of slices) {
    const half = slice % 2 === 1 ? 1 : 2;
    const key = `${window.rateRps}/${window.mode}/${half}`;
    const group = groups.get(key) ?? { rateRps: window.rateRps, mode: window.mode, half, parts: [] };
    group.parts.push(window);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ parts, ...point }) => ({
    ...point,
    latency: mergeLatencyHistograms(parts.map((w) => w.latency)),
  }));
}

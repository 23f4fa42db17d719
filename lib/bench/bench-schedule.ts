import { dataPlaneKindOf } from '../meshes/data-plane.ts';
import type { BenchConfig, BenchMode } from './bench-types.ts';

/** One window (or one slice of it) of the run, in the order it is measured. */
export interface ScheduledWindow {
  readonly repetition: number;
  /** 1-based slice of the window; always 1 when windows are not sliced. */
  readonly slice: number;
  readonly rateRps: number;
  readonly mode: BenchMode;
}

/**
 * The modes of one rate in one repetition: alternating between repetitions, calibration next to
 * its baseline, and (Istio ambient) the L4-only path next to the full one.
 */
export function modeOrder(repetition: number, withCalibration: boolean, withL4 = false): BenchMode[] {
  const forward: BenchMode[] = [
    'baseline',
    ...(withCalibration ? (['calibration'] as const) : []),
    'meshed',
    ...(withL4 ? (['meshed-l4'] as const) : []),
  ];
  return repetition % 2 === 1 ? forward : [...forward].reverse();
}

/**
 * Every window (slice) of a run in order (pure): slices outermost, then repetitions, so that the
 * slices of each repetition are spread over the whole run and every repetition samples the same
 * slow drift of the machine; rates ascending; the modes of a rate back to back (baseline and
 * meshed see the same machine), their order alternating so neither always goes first. The
 * calibration arm runs at the lowest rate, next to its baseline.
 */
export function benchSchedule(
  config: Pick<BenchConfig, 'rates' | 'repetitions' | 'calibrate'> & {
    readonly slices?: number;
    readonly mesh?: BenchConfig['mesh'];
  },
): ScheduledWindow[] {
  const calibrationRate = Math.min(...config.rates);
  // An ambient data plane has two meshed paths: ztunnel alone (L4) and with the waypoint (L7).
  const withL4 = config.mesh !== undefined && dataPlaneKindOf[config.mesh] === 'ambient';
  const windows: ScheduledWindow[] = [];
  for (let slice = 1; slice <= (config.slices ?? 1); slice++) {
    for (let repetition = 1; repetition <= config.repetitions; repetition++) {
      const order = repetition + slice - 1;
      for (const rateRps of config.rates) {
        for (const mode of modeOrder(order, config.calibrate && rateRps === calibrationRate, withL4)) {
          windows.push({ repetition, slice, rateRps, mode });
        }
      }
    }
  }
  return windows;
}

import type { BenchConfig, BenchMode } from './bench-types.ts';

/** One window of the run, in the order it is measured. */
export interface ScheduledWindow {
  readonly repetition: number;
  readonly rateRps: number;
  readonly mode: BenchMode;
}

/** The modes of one rate in one repetition: alternating between repetitions, calibration next to its baseline. */
export function modeOrder(repetition: number, withCalibration: boolean): BenchMode[] {
  const forward: BenchMode[] = withCalibration
    ? ['baseline', 'calibration', 'meshed']
    : ['baseline', 'meshed'];
  return repetition % 2 === 1 ? forward : [...forward].reverse();
}

/**
 * Every window of a run in order (pure): repetitions outermost, so that the repetitions of a point
 * are minutes apart and their spread shows drift; rates ascending; the modes of a rate back to back
 * (baseline and meshed see the same machine), their order alternating so neither always goes
 * first. The calibration arm runs at the lowest rate, next to its baseline.
 */
export function benchSchedule(
  config: Pick<BenchConfig, 'rates' | 'repetitions' | 'calibrate'>,
): ScheduledWindow[] {
  const calibrationRate = Math.min(...config.rates);
  const windows: ScheduledWindow[] = [];
  for (let repetition = 1; repetition <= config.repetitions; repetition++) {
    for (const rateRps of config.rates) {
      for (const mode of modeOrder(repetition, config.calibrate && rateRps === calibrationRate)) {
        windows.push({ repetition, rateRps, mode });
      }
    }
  }
  return windows;
}

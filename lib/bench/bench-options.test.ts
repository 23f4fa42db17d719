import { describe, expect, it } from 'vitest';
import { MeshproofError } from '../errors/meshproof-error.ts';
import {
  benchConfigFromFlags,
  benchDefaults,
  estimateLocalBenchSeconds,
  parseDurationMs,
  parsePayloadBytes,
  parseRates,
  windowCount,
} from './bench-options.ts';
import { benchSchedule, modeOrder } from './bench-schedule.ts';

const target = { mesh: 'reference', platform: 'local', output: 'reports', installMesh: false } as const;

describe('flag values', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['20', 20_000],
  ])('reads the duration %s as %i ms', (text, ms) => {
    expect(parseDurationMs(text, '--duration')).toBe(ms);
  });

  it.each([
    ['1024', 1024],
    ['1KiB', 1024],
    ['4 KiB', 4096],
    ['1KB', 1000],
    ['2k', 2000],
    ['0', 0],
  ])('reads the payload %s as %i bytes', (text, bytes) => {
    expect(parsePayloadBytes(text)).toBe(bytes);
  });

  it('sorts and de-duplicates rates', () => {
    expect(parseRates('1000, 100,500,100')).toEqual([100, 500, 1000]);
  });

  it.each([
    () => parseDurationMs('soon', '--duration'),
    () => parsePayloadBytes('big'),
    () => parsePayloadBytes('2MiB'),
    () => parseRates('100,fast'),
    () => parseRates('0'),
    () => benchConfigFromFlags({ repeat: '0' }, target),
    () => benchConfigFromFlags({ duration: '50ms' }, target),
    () => benchConfigFromFlags({ calibrateDelay: '1.5ms' }, target),
    () => benchConfigFromFlags({ connections: 'many' }, target),
    // Numbers as Number() would read them, and empty lists: each is refused, never widened.
    () => parseRates('0x10'),
    () => parseRates('1e309'),
    () => parseRates('1e3'),
    () => parseRates('100,-5'),
    () => parseRates('100.5'),
    () => parseRates(''),
    () => parseRates(','),
    () => parseRates('100,,500'),
    () => parseRates(' '),
    () => benchConfigFromFlags({ repeat: '1.5' }, target),
    () => benchConfigFromFlags({ repeat: '0x3' }, target),
    () => benchConfigFromFlags({ repeat: '' }, target),
    () => benchConfigFromFlags({ slices: '1e1' }, target),
    () => benchConfigFromFlags({ connections: '-1' }, target),
    () => benchConfigFromFlags({ duration: '1e309s' }, target),
    () => benchConfigFromFlags({ duration: '-5s' }, target),
    () => benchConfigFromFlags({ duration: '' }, target),
    () => benchConfigFromFlags({ timeout: '0x10s' }, target),
    () => parsePayloadBytes('1.5'),
    () => parsePayloadBytes('0x400'),
    () => parsePayloadBytes('-1KiB'),
  ])('refuses bad input with a coded one-line error (%#)', (parse) => {
    try {
      parse();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MeshproofError);
      expect((error as MeshproofError).code).toBe('MESHPROOF_BAD_FLAG');
    }
  });
});

describe('configuration', () => {
  it('defaults to the issue sweep with 10 s windows, which fits the 5-minute budget with calibration and capacity', () => {
    const config = benchConfigFromFlags({ calibrate: true, driverCapacity: true }, target);
    expect(config).toMatchObject({
      rates: [100, 500, 1000],
      durationMs: benchDefaults.durationMs,
      repetitions: 3,
      payloadBytes: 1024,
      connections: 16,
      calibrate: true,
      calibrationDelayMs: 2,
      driverCapacity: true,
    });
    expect(windowCount(config)).toBe(21);
    expect(estimateLocalBenchSeconds(config)).toBeLessThan(300);
  });

  it('takes every flag', () => {
    const config = benchConfigFromFlags(
      {
        rates: '20,200',
        duration: '2s',
        warmup: '0s',
        repeat: '1',
        payload: '4KiB',
        connections: '8',
        timeout: '1s',
        calibrateDelay: '5ms',
      },
      target,
    );
    expect(config).toMatchObject({
      rates: [20, 200],
      durationMs: 2000,
      warmupMs: 0,
      repetitions: 1,
      payloadBytes: 4096,
      connections: 8,
      timeoutMs: 1000,
      calibrate: false,
      calibrationDelayMs: 5,
    });
  });
});

describe('schedule', () => {
  it('alternates the order of the modes between repetitions, calibration next to its baseline', () => {
    expect(modeOrder(1, false)).toEqual(['baseline', 'meshed']);
    expect(modeOrder(2, false)).toEqual(['meshed', 'baseline']);
    expect(modeOrder(1, true)).toEqual(['baseline', 'calibration', 'meshed']);
    expect(modeOrder(2, true)).toEqual(['meshed', 'calibration', 'baseline']);
  });

  it('spreads the slices of every repetition over the whole run', () => {
    const schedule = benchSchedule({ rates: [100], repetitions: 2, calibrate: false, slices: 3 });
    expect(schedule.map((w) => `${w.slice}.${w.repetition}:${w.mode}`)).toEqual([
      '1.1:baseline',
      '1.1:meshed',
      '1.2:meshed',
      '1.2:baseline',
      '2.1:meshed',
      '2.1:baseline',
      '2.2:baseline',
      '2.2:meshed',
      '3.1:baseline',
      '3.1:meshed',
      '3.2:meshed',
      '3.2:baseline',
    ]);
  });

  it('puts repetitions outermost, rates ascending, calibration at the lowest rate only', () => {
    const schedule = benchSchedule({ rates: [100, 500], repetitions: 2, calibrate: true });
    expect(schedule.map((w) => `${w.repetition}:${w.rateRps}:${w.mode}`)).toEqual([
      '1:100:baseline',
      '1:100:calibration',
      '1:100:meshed',
      '1:500:baseline',
      '1:500:meshed',
      '2:100:meshed',
      '2:100:calibration',
      '2:100:baseline',
      '2:500:meshed',
      '2:500:baseline',
    ]);
  });

  it('measures Istio ambient with the L4-only path next to the full one, and counts its windows', () => {
    const schedule = benchSchedule({ rates: [100], repetitions: 2, calibrate: true, mesh: 'istio-ambient' });
    expect(schedule.map((w) => `${w.repetition}:${w.mode}`)).toEqual([
      '1:baseline',
      '1:calibration',
      '1:meshed',
      '1:meshed-l4',
      '2:meshed-l4',
      '2:meshed',
      '2:calibration',
      '2:baseline',
    ]);
    const ambient = benchConfigFromFlags(
      { calibrate: true },
      { mesh: 'istio-ambient', platform: 'k3s', output: 'reports', installMesh: false },
    );
    // 3 rates × 3 repetitions × 3 modes, plus the calibration arm in each repetition.
    expect(windowCount(ambient)).toBe(30);
    expect(
      benchSchedule({ rates: [100], repetitions: 1, calibrate: false, mesh: 'linkerd' }).map((w) => w.mode),
    ).toEqual(['baseline', 'meshed']);
  });
});

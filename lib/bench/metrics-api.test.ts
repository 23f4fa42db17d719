import { describe, expect, it } from 'vitest';
import {
  containerUsage,
  type PodMetricsListLike,
  parseCpuQuantity,
  parseMemoryQuantity,
  parseWindowMs,
  readingsWithin,
  usageFromSamples,
} from './metrics-api.ts';

describe('Kubernetes quantities', () => {
  it.each([
    ['250m', 250],
    ['123456789n', 123.456789],
    ['1500u', 1.5],
    ['2', 2000],
    ['0.5', 500],
  ])('reads CPU %s as %f millicores', (quantity, millicores) => {
    expect(parseCpuQuantity(quantity)).toBeCloseTo(millicores, 6);
  });

  it.each([
    ['61440Ki', 60],
    ['64Mi', 64],
    ['1Gi', 1024],
    ['1048576', 1],
    ['1M', 1e6 / 1024 ** 2],
  ])('reads memory %s as %f MiB', (quantity, mib) => {
    expect(parseMemoryQuantity(quantity)).toBeCloseTo(mib, 6);
  });

  it('refuses what is not a quantity', () => {
    expect(() => parseCpuQuantity('lots')).toThrow(/CPU/);
    expect(() => parseMemoryQuantity('12 apples')).toThrow(/memory/);
  });
});

// As `kubectl get --raw /apis/metrics.k8s.io/v1beta1/namespaces/meshproof/pods` answers.
const list: PodMetricsListLike = {
  items: [
    {
      metadata: { name: 'client-7d9f-abcde', namespace: 'meshproof' },
      containers: [
        { name: 'k6', usage: { cpu: '310000000n', memory: '90000Ki' } },
        { name: 'istio-proxy', usage: { cpu: '198000000n', memory: '61440Ki' } },
      ],
    },
  ],
};

describe('container usage', () => {
  it('reads one container of one pod', () => {
    expect(containerUsage(list, 'client-7d9f-abcde', 'istio-proxy')).toEqual({
      cpuMillicores: 198,
      memoryMiB: 60,
    });
    expect(containerUsage(list, 'client-7d9f-abcde', 'linkerd-proxy')).toBeUndefined();
    expect(containerUsage(list, 'other', 'istio-proxy')).toBeUndefined();
  });

  it('averages and maximises samples', () => {
    expect(
      usageFromSamples([
        { cpuMillicores: 100, memoryMiB: 50 },
        { cpuMillicores: 300, memoryMiB: 60 },
      ]),
    ).toEqual({ cpuMillicores: { avg: 200, max: 300 }, memoryMiB: { avg: 55, max: 60 }, samples: 2 });
    expect(usageFromSamples([])).toBeNull();
  });
});

describe('readings of a measured window', () => {
  const reading = (timestamp: string, window: string) => ({
    metadata: { name: 'client-1' },
    timestamp,
    window,
    containers: [{ name: 'istio-proxy', usage: { cpu: '100m', memory: '40Mi' } }],
  });
  const start = Date.parse('2026-12-03T10:00:00Z');
  const end = start + 8_000;

  it("reads metrics-server's window durations", () => {
    expect(parseWindowMs('15s')).toBe(15_000);
    expect(parseWindowMs('14.987s')).toBeCloseTo(14_987, 6);
    expect(parseWindowMs('1m0s')).toBe(60_000);
    expect(parseWindowMs('500ms')).toBe(500);
    expect(parseWindowMs('soon')).toBeUndefined();
  });

  it('keeps only readings whose rate window lies inside the measured one (a 15 s rate never counts for 8 s)', () => {
    const inside = reading('2026-12-03T10:00:07Z', '5s');
    const straddling = reading('2026-12-03T10:00:07Z', '15s');
    const after = reading('2026-12-03T10:00:09Z', '1s');
    expect(readingsWithin([inside, straddling, after, reading('x', '5s')], start, end)).toEqual([inside]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  containerUsage,
  type PodMetricsListLike,
  parseCpuQuantity,
  parseMemoryQuantity,
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

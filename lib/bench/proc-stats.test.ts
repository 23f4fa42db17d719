import { describe, expect, it } from 'vitest';
import {
  type ProcessSample,
  parseChildren,
  parseMachineCpu,
  parseProcStat,
  parseVmRssKiB,
  summarizeProcessSamples,
  ticksBetween,
} from './proc-stats.ts';

// A real /proc/<pid>/stat line of a haproxy worker, with the command name made awkward.
const statLine =
  '4242 (ha proxy) (x)) S 4241 4241 1 0 -1 4194560 1033 0 0 0 1234 567 0 0 20 0 2 0 123456 80000000 6000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';

describe('procfs readers', () => {
  it('reads pid, parent and utime+stime, counting fields after the last parenthesis', () => {
    expect(parseProcStat(statLine)).toEqual({ pid: 4242, ppid: 4241, cpuTicks: 1234 + 567 });
  });

  it('refuses text that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/stat/);
    expect(() => parseProcStat('12 (x) S 1 2')).toThrow(/truncated/);
  });

  it('reads VmRSS in KiB, and nothing for processes without one', () => {
    expect(parseVmRssKiB('Name:\thaproxy\nVmPeak:\t  90000 kB\nVmRSS:\t   24512 kB\nThreads:\t2\n')).toBe(
      24512,
    );
    expect(parseVmRssKiB('Name:\tkthreadd\nThreads:\t1\n')).toBeUndefined();
  });

  it('reads the children list', () => {
    expect(parseChildren('4243 4250 \n')).toEqual([4243, 4250]);
    expect(parseChildren('')).toEqual([]);
  });

  it('splits the machine cpu line into busy and total ticks (idle and iowait are not busy)', () => {
    const stat = 'cpu  100 5 50 800 20 3 2 10 0 0\ncpu0 50 2 25 400 10 1 1 5 0 0\n';
    expect(parseMachineCpu(stat)).toEqual({
      busyTicks: 100 + 5 + 50 + 3 + 2 + 10,
      totalTicks: 170 + 800 + 20,
    });
  });
});

const sample = (atMs: number, ticksByPid: Record<number, number>, rssKiB: number): ProcessSample => ({
  atMs,
  ticksByPid,
  rssKiB,
});

describe('CPU and memory over a window', () => {
  it('counts a new worker fully and an exited one no further', () => {
    const before = sample(0, { 1: 10, 2: 100 }, 0);
    const after = sample(1000, { 1: 12, 3: 7 }, 0);
    expect(ticksBetween(before, after)).toBe(2 + 7);
  });

  it('averages millicores over the window and peaks over the busiest interval', () => {
    // 100 ticks/s: 10 ticks in 1 s is 100 millicores, 30 ticks is 300.
    const samples = [
      sample(0, { 1: 0, 2: 0 }, 20 * 1024),
      sample(1000, { 1: 5, 2: 5 }, 22 * 1024),
      sample(2000, { 1: 20, 2: 20 }, 24 * 1024),
    ];
    const usage = summarizeProcessSamples(samples, 100);
    expect(usage?.cpuMillicores.avg).toBeCloseTo(200);
    expect(usage?.cpuMillicores.max).toBeCloseTo(300);
    expect(usage?.memoryMiB).toEqual({ avg: 22, max: 24 });
    expect(usage?.samples).toBe(3);
  });

  it('has nothing to say with fewer than two samples', () => {
    expect(summarizeProcessSamples([sample(0, { 1: 5 }, 1024)], 100)).toBeNull();
  });
});

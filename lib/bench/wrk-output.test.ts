import { describe, expect, it } from 'vitest';
import { parseWrkOutput, parseWrkVersion } from './wrk-output.ts';

// wrk 4.1.0 (Debian) with --latency against a local haproxy.
const report = `Running 1s test @ http://127.0.0.1:18999/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    60.44us  155.58us   2.17ms   95.66%
    Req/Sec   100.99k    10.02k  119.88k    72.73%
  Latency Distribution
     50%   27.00us
     75%   38.00us
     90%   63.00us
     99%    0.99ms
  110281 requests in 1.10s, 6.94MB read
Requests/sec: 100248.25
Transfer/sec:      6.31MB
`;

describe('wrk output', () => {
  it('reads requests, rate and the latency distribution in ms', () => {
    expect(parseWrkOutput(report)).toEqual({
      requests: 110281,
      durationSeconds: 1.1,
      requestsPerSecond: 100248.25,
      errors: 0,
      p50Ms: 0.027,
      p99Ms: 0.99,
    });
  });

  it('adds non-2xx responses and socket errors', () => {
    const withErrors = report.replace(
      'Requests/sec',
      '  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec',
    );
    expect(parseWrkOutput(withErrors).errors).toBe(10);
  });

  it('fails loudly on output without a result', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused')).toThrow(
      /unexpected wrk output/,
    );
  });

  it('reads the version from the banner', () => {
    expect(parseWrkVersion('wrk debian/4.1.0-3+b2 [epoll] Copyright (C) 2012 Will Glozer\nUsage: …')).toBe(
      '4.1.0-3+b2',
    );
    expect(parseWrkVersion('wrk 4.2.0 [epoll] Copyright (C) 2012 Will Glozer')).toBe('4.2.0');
    expect(parseWrkVersion('something else')).toBeUndefined();
  });
});

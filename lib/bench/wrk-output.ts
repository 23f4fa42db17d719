/** What the benchmark reads from wrk's report (`wrk --latency`). */
export interface WrkResult {
  readonly requests: number;
  readonly durationSeconds: number;
  readonly requestsPerSecond: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  readonly errors: number;
  /** From the latency distribution, in ms; null when wrk printed none. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** `wrk debian/4.1.0-3+b2 [epoll] …` → `4.1.0-3+b2`; undefined if not wrk's banner. */
export function parseWrkVersion(banner: string): string | undefined {
  return /^wrk\s+(?:debian\/)?(\S+)/m.exec(banner)?.[1];
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n;
}

/**
 * Parses wrk's report: `N requests in Ts`, `Requests/sec:`, the `--latency` distribution and the
 * error lines. Throws when the report lacks the request count or rate (wrk failed).
 */
export function parseWrkOutput(output: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!total || !rate) {
    throw new Error(
      `unexpected wrk output: ${output.trim().split('\n').slice(-3).join(' | ').slice(0, 200)}`,
    );
  }
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return match ? toMs(match[1] as string, match[2] as string) : null;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requests: Number(total[1]),
    durationSeconds: toMs(total[2] as string, total[3] as string) / 1000,
    requestsPerSecond: Number(rate[1]),
    errors: non2xx + socketErrors,
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
  };
}

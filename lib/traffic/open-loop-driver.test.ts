import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenLoopClient, type OpenLoopClient } from './open-loop-driver.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Handler): Promise<{ origin: string; seen: () => number }> {
  let seen = 0;
  const server: Server = createServer((req, res) => {
    seen++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, seen: () => seen };
}

function client(origin: string, connections = 4): OpenLoopClient {
  const c = createOpenLoopClient(
    { origin, path: '/bench', headers: { host: 'server', 'x-test': 'yes' } },
    { connections, timeoutMs: 5_000 },
  );
  cleanups.push(() => c.close());
  return c;
}

describe('constant arrival rate', () => {
  it('sends rate × duration measured requests after an unrecorded warm-up, and records each once', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const result = await client(server.origin).runConstantRate({ rate: 200, durationMs: 250, warmupMs: 50 });
    expect(result.scheduled).toBe(50);
    expect(result.sent).toBe(50);
    expect(result.ok).toBe(50);
    expect(result.errors).toBe(0);
    expect(result.dropped).toBe(0);
    expect(result.latency.totalCount).toBe(50);
    expect(result.serviceTime.totalCount).toBe(50);
    expect(result.sendLag.totalCount).toBe(50);
    // The warm-up's 10 requests reached the server but are in no figure.
    expect(server.seen()).toBe(60);
  });

  it('times every response from its intended send time, so latency is never below the service time', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const result = await client(server.origin).runConstantRate({ rate: 100, durationMs: 100 });
    expect(result.latency.minNonZeroValue).toBeGreaterThanOrEqual(result.serviceTime.minNonZeroValue);
    expect(result.latency.maxValue).toBeGreaterThanOrEqual(result.serviceTime.maxValue);
  });

  it('counts non-2xx answers as errors by status, still recording their latency', async () => {
    const server = await serve((_req, res) => {
      res.statusCode = 503;
      res.end('no');
    });
    const result = await client(server.origin).runConstantRate({ rate: 100, durationMs: 100 });
    expect(result.ok).toBe(0);
    expect(result.errors).toBe(10);
    expect(result.errorKinds).toEqual({ 'status 503': 10 });
    expect(result.latency.totalCount).toBe(10);
    expect(result.achievedRps).toBe(0);
  });

  it('drops arrivals while maxInFlight requests are outstanding, as k6 drops iterations', async () => {
    const held: ServerResponse[] = [];
    const server = await serve((_req, res) => held.push(res));
    const result = await client(server.origin, 8).runConstantRate({
      rate: 100,
      durationMs: 100,
      maxInFlight: 3,
      // Answer only once every arrival has been sent or dropped.
      onScheduleComplete: () => {
        for (const res of held) res.end('ok');
      },
    });
    expect(result.scheduled).toBe(10);
    expect(result.sent).toBe(3);
    expect(result.dropped).toBe(7);
    expect(result.ok).toBe(3);
  });

  it('counts a backlog against the achieved rate: responses held past the schedule stretch the time they took', async () => {
    const held: ServerResponse[] = [];
    const server = await serve((_req, res) => held.push(res));
    const result = await client(server.origin, 32).runConstantRate({
      rate: 100,
      durationMs: 200,
      // The 20 arrivals take 200 ms; the answers come 300 ms after the last one: ≥ 500 ms in all.
      onScheduleComplete: () => {
        setTimeout(() => {
          for (const res of held) res.end('ok');
        }, 300);
      },
    });
    expect(result.ok).toBe(20);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(490);
    expect(result.achievedRps).toBeCloseTo(20 / (result.elapsedMs / 1000), 6);
    expect(result.achievedRps).toBeLessThan(41);
  });

  it('reports a refused connection as an error kind, not an exception', async () => {
    // Port 1 (tcpmux) has no listener on any machine this runs on, and no other test can take it.
    const result = await client('http://127.0.0.1:1').runConstantRate({ rate: 100, durationMs: 50 });
    expect(result.ok).toBe(0);
    expect(result.errors).toBe(5);
    expect(Object.keys(result.errorKinds)).toEqual(['refused']);
  });

  it('sends the target headers on every request', async () => {
    const hosts = new Set<string>();
    const server = await serve((req, res) => {
      hosts.add(`${req.headers.host} ${req.headers['x-test']}`);
      res.end('ok');
    });
    await client(server.origin).runConstantRate({ rate: 100, durationMs: 50 });
    expect([...hosts]).toEqual(['server yes']);
  });

  it('refuses a rate that is not positive', () => {
    const c = client('http://127.0.0.1:1');
    expect(() => c.runConstantRate({ rate: 0, durationMs: 100 })).toThrow(/rate/);
  });
});

describe('closed loop and probe', () => {
  it('keeps every connection busy for the duration and counts what came back', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const result = await client(server.origin, 2).runClosedLoop({ durationMs: 100, warmupMs: 20 });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.ok).toBe(result.requests);
    expect(result.latency.totalCount).toBe(result.requests);
  });

  it('returns one response with its status, headers and body', async () => {
    const server = await serve((req, res) => {
      res.setHeader('x-seen', String(req.headers['x-extra']));
      res.end('hello');
    });
    const response = await client(server.origin).probe({ 'x-extra': '1' });
    expect(response).toMatchObject({ status: 200, body: 'hello', headers: { 'x-seen': '1' } });
  });
});

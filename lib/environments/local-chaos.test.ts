import { readFile } from 'node:fs/promises';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnvironment, startLocalEnvironment } from './local-environment.ts';

/**
 * The local platform's chaos actions do what they say to real processes, and `reset()` undoes
 * each of them: a killed sidecar serves again, a paused app runs again.
 */
let env: LocalEnvironment;
beforeAll(async () => {
  env = await startLocalEnvironment();
});
afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const inboundPort = (name: string) => {
  const port = env.local.sidecars.find((s) => s.name === name)?.inboundPort;
  if (port === undefined) throw new Error(`no inbound port for ${name}`);
  return port;
};

/** A plaintext request to a server sidecar (the baseline is PERMISSIVE): its status, or the error code. */
async function askSidecar(name: string): Promise<number | string> {
  // A connection of its own each time: one kept alive from before a kill would be reset instead.
  const client = new Client(`http://127.0.0.1:${inboundPort(name)}`, {
    headersTimeout: 2_000,
    bodyTimeout: 2_000,
  });
  try {
    const response = await client.request({ path: '/', method: 'GET', headers: { host: 'server' } });
    await response.body.dump();
    return response.statusCode;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.destroy();
  }
}

/** The scheduler state of a process (`R`, `S`, `T` for stopped …), from /proc. */
async function processState(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

describe.runIf(process.platform === 'linux')('local chaos actions', () => {
  it('kills a server sidecar (its port refuses), restarts it (it serves), and reset restarts one left killed', async () => {
    expect(await askSidecar('server-v1')).toBe(200);
    await env.chaos({ kind: 'kill-proxy', version: 'v1' });
    expect(await askSidecar('server-v1')).toBe('ECONNREFUSED');
    await env.chaos({ kind: 'restart-proxy', version: 'v1' });
    expect(await askSidecar('server-v1')).toBe(200);
    await env.chaos({ kind: 'kill-proxy', version: 'v1' });
    await env.reset();
    expect(await askSidecar('server-v1')).toBe(200);
  });

  it('refuses to restart a sidecar that was not killed', async () => {
    await expect(env.chaos({ kind: 'restart-proxy', version: 'v2' })).rejects.toThrow(/was not killed/);
  });

  it('pauses an app (stopped once the action returns) and reset continues it', async () => {
    const v2 = env.local.workloads.find((w) => w.version === 'v2');
    if (v2?.pid === undefined) throw new Error('no v2 workload');
    await env.chaos({ kind: 'pause-workload', version: 'v2' });
    expect(await processState(v2.pid)).toBe('T');
    await env.reset();
    expect(await processState(v2.pid)).not.toBe('T');
    expect(await askSidecar('server-v2')).toBe(200);
  });

  it('applies intents under traffic and reset puts the baseline back', async () => {
    await env.chaos({
      kind: 'apply-intents',
      intents: [{ kind: 'PeerAuthentication', service: 'server', mode: 'STRICT' }],
    });
    expect(await askSidecar('server-v3')).not.toBe(200);
    await env.reset();
    expect(await askSidecar('server-v3')).toBe(200);
  });
});

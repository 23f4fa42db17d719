import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pidFileName } from '../platforms/local/local-environment.ts';
import { PortAllocator } from '../platforms/local/ports.ts';
import { type ManagedProcess, ProcessGroup } from '../platforms/local/process-group.ts';
import { summarizeLatency } from '../stats/histogram.ts';
import { createOpenLoopClient } from '../traffic/open-loop-driver.ts';
import type { DriverCapacity, ThroughputSample } from './bench-types.ts';
import { ProcessSampler } from './process-sampler.ts';
import { parseWrkOutput, parseWrkVersion } from './wrk-output.ts';

const run = promisify(execFile);

/** haproxy keeps a `return` payload in one buffer (16 KiB by default): larger payloads are capped. */
const maxTargetPayloadBytes = 12 * 1024;
const startTimeoutMs = 10_000;

export interface DriverCapacityOptions {
  /** The run's work directory: the target's files and the pid file that cleanup reads. */
  readonly workDir: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly payloadBytes: number;
  readonly log: (line: string) => void;
}

/** The installed wrk's version, or why it cannot be used. */
async function wrkVersion(): Promise<{ version: string } | { unavailable: string }> {
  try {
    // `wrk -v` prints its banner and exits 1.
    const result = await run('wrk', ['-v']).catch((error: { stdout?: string; code?: unknown }) => {
      if (error.code === 'ENOENT') throw error;
      return { stdout: error.stdout ?? '' };
    });
    const version = parseWrkVersion(result.stdout);
    return version
      ? { version }
      : { unavailable: `unexpected \`wrk -v\` output: ${result.stdout.slice(0, 60)}` };
  } catch {
    return { unavailable: 'wrk is not installed (apt-get install wrk, or `make bench` installs it as root)' };
  }
}

/** The local target: one haproxy thread answering every request with the payload itself. */
function targetConfig(port: number, payloadFile: string): string {
  return [
    'global',
    '  nbthread 1',
    'defaults',
    '  mode http',
    '  no log',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend target',
    `  bind 127.0.0.1:${port}`,
    `  http-request return status 200 content-type application/json file ${payloadFile}`,
    '',
  ].join('\n');
}

async function startTarget(
  group: ProcessGroup,
  dir: string,
  payloadBytes: number,
): Promise<{ process: ManagedProcess; origin: string }> {
  await mkdir(dir, { recursive: true });
  const payloadFile = join(dir, 'payload.json');
  const body = `{"payload":"${'x'.repeat(Math.max(0, Math.min(payloadBytes, maxTargetPayloadBytes) - 14))}"}`;
  await writeFile(payloadFile, body);
  const port = await new PortAllocator().allocate('driver capacity target');
  const configFile = join(dir, 'target.cfg');
  await writeFile(configFile, targetConfig(port, payloadFile));
  const process = group.spawn('capacity-target', 'haproxy', ['-db', '-f', configFile]);
  // Without master-worker mode haproxy prints nothing on success: wait until it accepts requests.
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const reachable = await fetch(origin)
      .then(async (r) => {
        await r.arrayBuffer();
        return r.status === 200;
      })
      .catch(() => false);
    if (reachable) return { process, origin };
    if (!process.running || Date.now() > deadline) {
      throw new Error(`the capacity target did not start: ${process.logTail(5).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Measures the builtin driver's maximum throughput (closed loop, `connections` loops) against a
 * local haproxy that answers from memory, then wrk's with the same connections and one thread,
 * one after the other, sampling the target's CPU to show which side was the limit.
 */
export async function measureDriverCapacity(options: DriverCapacityOptions): Promise<DriverCapacity> {
  const group = new ProcessGroup(join(options.workDir, pidFileName), 2_000);
  const payloadBytes = Math.min(options.payloadBytes, maxTargetPayloadBytes);
  try {
    const target = await startTarget(group, join(options.workDir, 'capacity'), payloadBytes);
    const targetPid = target.process.pid;
    const targetSampler = () =>
      new ProcessSampler(targetPid ? [{ name: 'target', pid: targetPid, withChildren: false }] : []);

    options.log(
      `  driver capacity: the builtin driver, ${options.connections} connections, ${options.durationMs / 1000} s…`,
    );
    const client = createOpenLoopClient(
      { origin: target.origin, path: '/', headers: { host: 'target' } },
      { connections: options.connections, timeoutMs: 5_000 },
    );
    const sampler = targetSampler();
    let closed: Awaited<ReturnType<typeof client.runClosedLoop>>;
    try {
      closed = await client.runClosedLoop({
        durationMs: options.durationMs,
        warmupMs: 1_000,
        onMeasurementStart: () => sampler.start(),
      });
    } finally {
      await client.close();
    }
    const driverTarget = (await sampler.stop()).processes.target;
    const latency = summarizeLatency(closed.latency);
    const driver: ThroughputSample & { eventLoopUtilization: number } = {
      requestsPerSecond: Math.round(closed.requestsPerSecond),
      errors: closed.errors,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      generatorCpuMillicores: Math.round(closed.generatorCpuMillicores),
      targetCpuMillicores: driverTarget ? Math.round(driverTarget.cpuMillicores.avg) : null,
      eventLoopUtilization: Math.round(closed.eventLoopUtilization * 1000) / 1000,
    };

    const wrk = await wrkVersion();
    let wrkResult: DriverCapacity['wrk'] = 'unavailable' in wrk ? wrk : { unavailable: 'not run' };
    if ('version' in wrk) {
      options.log(`  driver capacity: wrk ${wrk.version}, 1 thread, ${options.connections} connections…`);
      const seconds = Math.max(1, Math.round(options.durationMs / 1000));
      const wrkArgs = (duration: string) => [
        '-t1',
        `-c${options.connections}`,
        `-d${duration}`,
        '--latency',
        '-H',
        'Host: target',
        `${target.origin}/`,
      ];
      // Warm-up, as for the driver.
      await group.spawn('wrk-warmup', 'wrk', wrkArgs('1s')).exited;
      const wrkSampler = targetSampler();
      wrkSampler.start();
      const wrkProcess = group.spawn('wrk', 'wrk', wrkArgs(`${seconds}s`));
      const wrkPid = wrkProcess.pid;
      const generatorSampler = new ProcessSampler(
        wrkPid ? [{ name: 'wrk', pid: wrkPid, withChildren: false }] : [],
      );
      generatorSampler.start();
      // Read wrk's CPU just before it exits (once it has exited, /proc no longer has it).
      const early = new Promise<Awaited<ReturnType<ProcessSampler['stop']>>>((resolve) => {
        setTimeout(() => resolve(generatorSampler.stop()), seconds * 1000 - 150);
      });
      const exit = await wrkProcess.exited;
      const [wrkUsage, targetUsage] = await Promise.all([early, wrkSampler.stop()]);
      const output = wrkProcess.logTail(400).join('\n');
      if (exit.code !== 0) {
        wrkResult = { unavailable: `wrk exited ${exit.code ?? exit.signal}: ${output.slice(-200)}` };
      } else {
        const parsed = parseWrkOutput(output);
        const wrkCpu = wrkUsage.processes.wrk;
        const targetCpu = targetUsage.processes.target;
        wrkResult = {
          version: wrk.version,
          threads: 1,
          requestsPerSecond: Math.round(parsed.requestsPerSecond),
          errors: parsed.errors,
          p50Ms: parsed.p50Ms ?? 0,
          p99Ms: parsed.p99Ms ?? 0,
          generatorCpuMillicores: wrkCpu ? Math.round(wrkCpu.cpuMillicores.avg) : null,
          targetCpuMillicores: targetCpu ? Math.round(targetCpu.cpuMillicores.avg) : null,
        };
      }
    }
    return {
      target: `haproxy answering ${payloadBytes} B from memory (1 thread) on 127.0.0.1`,
      connections: options.connections,
      durationMs: options.durationMs,
      driver,
      wrk: wrkResult,
    };
  } finally {
    await group.stopAll();
  }
}

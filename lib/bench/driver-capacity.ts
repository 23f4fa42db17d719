import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pidFileName } from '../environments/local-environment.ts';
import { benchTimeouts } from '../model/index.ts';
import { PortAllocator } from '../platforms/local/ports.ts';
import { type ManagedProcess, ProcessGroup } from '../platforms/local/process-group.ts';
import { type LatencyHistogram, mergeLatencyHistograms, summarizeLatency } from '../stats/histogram.ts';
import { createOpenLoopClient } from '../traffic/open-loop-driver.ts';
import type { DriverCapacity } from './bench-types.ts';
import { ProcessSampler } from './process-sampler.ts';
import { parseWrkOutput, parseWrkVersion } from './wrk-output.ts';

const run = promisify(execFile);

/** haproxy keeps a `return` payload in one buffer (16 KiB by default): larger payloads are capped. */
const maxTargetPayloadBytes = 12 * 1024;

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
  const deadline = Date.now() + benchTimeouts.capacityTargetStartMs;
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
    await new Promise((resolve) => setTimeout(resolve, benchTimeouts.capacityTargetPollMs));
  }
}

/** The generators take turns in rounds of this length, so that the machine's drift reaches both alike. */
const roundMs = 1_000;

/** One round of one generator, as measured. */
interface Round {
  readonly requests: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly generatorCpuMillicores: number | null;
  readonly targetCpuMillicores: number | null;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Requests per second over every round, and the rounds' CPU weighted by their length. */
function pooled(rounds: readonly Round[]) {
  const elapsedMs = rounds.reduce((n, r) => n + r.elapsedMs, 0);
  const weighted = (value: (r: Round) => number | null) =>
    rounds.every((r) => value(r) !== null)
      ? Math.round(rounds.reduce((n, r) => n + (value(r) ?? 0) * r.elapsedMs, 0) / elapsedMs)
      : null;
  return {
    requestsPerSecond: Math.round((rounds.reduce((n, r) => n + r.requests, 0) * 1000) / elapsedMs),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    generatorCpuMillicores: weighted((r) => r.generatorCpuMillicores),
    targetCpuMillicores: weighted((r) => r.targetCpuMillicores),
  };
}

/**
 * Measures the builtin driver's maximum throughput (closed loop, `connections` loops) against a
 * local haproxy that answers from memory, and wrk's with the same connections and one thread, on
 * the same target in the same run: the two take turns in rounds of a second (driver first in
 * odd rounds, wrk first in even ones), so that a change of the machine's load during the run
 * reaches both alike. The target's CPU is sampled to show which side was the limit.
 */
export async function measureDriverCapacity(options: DriverCapacityOptions): Promise<DriverCapacity> {
  const group = new ProcessGroup(join(options.workDir, pidFileName), benchTimeouts.capacityStopGraceMs);
  const payloadBytes = Math.min(options.payloadBytes, maxTargetPayloadBytes);
  const rounds = Math.max(1, Math.round(options.durationMs / roundMs));
  try {
    const target = await startTarget(group, join(options.workDir, 'capacity'), payloadBytes);
    const targetPid = target.process.pid;
    const targetSampler = () =>
      new ProcessSampler(targetPid ? [{ name: 'target', pid: targetPid, withChildren: false }] : []);
    const targetCpu = (usage: Awaited<ReturnType<ProcessSampler['stop']>>) => {
      const cpu = usage.processes.target;
      return cpu ? Math.round(cpu.cpuMillicores.avg) : null;
    };
    const driverClient = createOpenLoopClient(
      { origin: target.origin, path: '/', headers: { host: 'target' } },
      { connections: options.connections, timeoutMs: benchTimeouts.capacityRequestMs },
    );
    const wrk = await wrkVersion();
    let wrkProblem: string | undefined = 'unavailable' in wrk ? wrk.unavailable : undefined;
    const wrkArgs = (duration: string) => [
      '-t1',
      `-c${options.connections}`,
      `-d${duration}`,
      '--latency',
      '-H',
      'Host: target',
      `${target.origin}/`,
    ];
    const driverLatency: LatencyHistogram[] = [];
    let eventLoopBusyMs = 0;
    const driverRound = async (): Promise<Round> => {
      const sampler = targetSampler();
      const run = await driverClient.runClosedLoop({
        durationMs: roundMs,
        onMeasurementStart: () => sampler.start(),
      });
      driverLatency.push(run.latency);
      eventLoopBusyMs += run.eventLoopUtilization * run.elapsedMs;
      return {
        requests: run.requests,
        errors: run.errors,
        elapsedMs: run.elapsedMs,
        generatorCpuMillicores: run.generatorCpuMillicores,
        targetCpuMillicores: targetCpu(await sampler.stop()),
      };
    };
    const wrkLatency: { p50Ms: number; p99Ms: number }[] = [];
    const wrkRound = async (): Promise<Round | undefined> => {
      const seconds = roundMs / 1000;
      const sampler = targetSampler();
      sampler.start();
      const wrkProcess = group.spawn('wrk', 'wrk', wrkArgs(`${seconds}s`));
      const wrkPid = wrkProcess.pid;
      const generatorSampler = new ProcessSampler(
        wrkPid ? [{ name: 'wrk', pid: wrkPid, withChildren: false }] : [],
      );
      generatorSampler.start();
      // Read wrk's CPU just before it exits (once it has exited, /proc no longer has it).
      const early = new Promise<Awaited<ReturnType<ProcessSampler['stop']>>>((resolve) => {
        setTimeout(() => resolve(generatorSampler.stop()), roundMs - 150);
      });
      const exit = await wrkProcess.exited;
      const [wrkUsage, targetUsage] = await Promise.all([early, sampler.stop()]);
      const output = wrkProcess.logTail(400).join('\n');
      if (exit.code !== 0) {
        wrkProblem = `wrk exited ${exit.code ?? exit.signal}: ${output.slice(-200)}`;
        return undefined;
      }
      const parsed = parseWrkOutput(output);
      wrkLatency.push({ p50Ms: parsed.p50Ms ?? 0, p99Ms: parsed.p99Ms ?? 0 });
      const wrkCpu = wrkUsage.processes.wrk;
      return {
        requests: parsed.requestsPerSecond * seconds,
        errors: parsed.errors,
        elapsedMs: roundMs,
        generatorCpuMillicores: wrkCpu ? wrkCpu.cpuMillicores.avg : null,
        targetCpuMillicores: targetCpu(targetUsage),
      };
    };

    options.log(
      `  driver capacity: the builtin driver and ${'version' in wrk ? `wrk ${wrk.version} (1 thread)` : 'no wrk'}, ${options.connections} connections, ${rounds} round(s) of ${roundMs / 1000} s each, taking turns…`,
    );
    const driverRounds: Round[] = [];
    const wrkRounds: Round[] = [];
    try {
      // Warm-up of both (JIT, connections, CPU frequency), not recorded.
      await driverClient.runClosedLoop({ durationMs: roundMs });
      if (!wrkProblem) await group.spawn('wrk-warmup', 'wrk', wrkArgs('1s')).exited;
      for (let round = 0; round < rounds; round++) {
        const driverFirst = round % 2 === 0;
        if (driverFirst) driverRounds.push(await driverRound());
        if (!wrkProblem) {
          const measured = await wrkRound();
          if (measured) wrkRounds.push(measured);
        }
        if (!driverFirst) driverRounds.push(await driverRound());
      }
    } finally {
      await driverClient.close();
    }
    const latency = summarizeLatency(mergeLatencyHistograms(driverLatency));
    const driverElapsedMs = driverRounds.reduce((n, r) => n + r.elapsedMs, 0);
    const driver: DriverCapacity['driver'] = {
      ...pooled(driverRounds),
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      eventLoopUtilization: Math.round((eventLoopBusyMs / driverElapsedMs) * 1000) / 1000,
    };
    const wrkResult: DriverCapacity['wrk'] =
      wrkProblem || !('version' in wrk)
        ? { unavailable: wrkProblem ?? 'not run' }
        : {
            version: wrk.version,
            threads: 1,
            ...pooled(wrkRounds),
            // Percentiles cannot be pooled from wrk's text output: the median over the rounds.
            p50Ms: median(wrkLatency.map((l) => l.p50Ms)),
            p99Ms: median(wrkLatency.map((l) => l.p99Ms)),
          };
    return {
      target: `haproxy answering ${payloadBytes} B from memory (1 thread) on 127.0.0.1`,
      connections: options.connections,
      durationMs: rounds * roundMs,
      driver,
      wrk: wrkResult,
    };
  } finally {
    await group.stopAll();
  }
}

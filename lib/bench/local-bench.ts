import { availableParallelism, cpus, loadavg, release, type } from 'node:os';
import { request } from 'undici';
import {
  DELAY_MS_HEADER,
  isEchoReply,
  PAYLOAD_BYTES_HEADER,
  WAITS_PATH,
  type WaitsReply,
} from '../../fixtures/echo/echo-protocol.ts';
import { type LocalEnvironment, startLocalEnvironment } from '../environments/local-environment.ts';
import { haproxyVersion } from '../meshes/reference/haproxy-sidecar.ts';
import type { HttpRouteIntent } from '../model/index.ts';
import { callerIdentity, spiffeId } from '../model/index.ts';
import { summarizeLatency } from '../stats/histogram.ts';
import {
  createOpenLoopClient,
  type OpenLoopClient,
  type ProbeResponse,
} from '../traffic/open-loop-driver.ts';
import { benchDefaults } from './bench-options.ts';
import { benchSchedule } from './bench-schedule.ts';
import { halvesFromSlices, type MeasuredSlice, windowsFromSlices } from './bench-slices.ts';
import type {
  BenchConfig,
  BenchEnvironment,
  BenchMode,
  BenchRunData,
  BenchWindow,
  PathCheck,
} from './bench-types.ts';
import { measureDriverCapacity } from './driver-capacity.ts';
import { ProcessSampler, procAvailable } from './process-sampler.ts';

export interface LocalBenchOptions {
  readonly runId: string;
  /** Owned by the caller, which removes it (and stops every process listed in its pid file). */
  readonly workDir: string;
  readonly harnessVersion: string;
  readonly log: (line: string) => void;
}

/** Everything to the one server version, so that exactly two proxies are on the meshed path. */
const benchRoute: HttpRouteIntent = {
  kind: 'HttpRoute',
  service: 'server',
  rules: [{ backends: [{ version: 'v1', weight: 100 }] }],
};

function identityOf(response: ProbeResponse): {
  status: number;
  identity: string | null;
  version: string | null;
} {
  try {
    const reply: unknown = JSON.parse(response.body);
    if (isEchoReply(reply)) {
      return { status: response.status, identity: reply.identity?.value ?? null, version: reply.version };
    }
  } catch {
    // Not the echo's reply (a proxy error page): no identity.
  }
  return { status: response.status, identity: null, version: null };
}

function machineEnvironment(
  harnessVersion: string,
  meshVersion: string,
  proxyVersion: string,
  loadAverageAtStart: readonly number[],
): BenchEnvironment {
  return {
    platform: 'local',
    mesh: 'reference',
    meshVersion,
    proxy: { name: 'haproxy', version: proxyVersion },
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    os: `${type()} ${release()}`,
    node: process.version,
    harnessVersion,
    loadAverageAtStart,
  };
}

/**
 * The sidecar-overhead benchmark on the local platform: the reference mesh's haproxy sidecars,
 * the open-loop driver in this process, CPU and memory of the proxies from /proc. Returns the raw
 * observations; the report is built from them by a pure function.
 */
export async function runLocalBench(config: BenchConfig, options: LocalBenchOptions): Promise<BenchRunData> {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const { log } = options;
  const notes: string[] = [];
  const proxyVersion = await haproxyVersion();

  const capacity = config.driverCapacity
    ? await measureDriverCapacity({
        workDir: options.workDir,
        connections: config.connections,
        durationMs: config.capacityDurationMs,
        payloadBytes: config.payloadBytes,
        log,
      })
    : null;

  log('starting the reference mesh (access logs off) and the echo workloads…');
  const env: LocalEnvironment = await startLocalEnvironment({
    accessLog: false,
    runDir: options.workDir,
    ...(config.basePort !== undefined ? { basePort: config.basePort } : {}),
  });
  const clients: OpenLoopClient[] = [];
  try {
    await env.apply(env.mesh.render([benchRoute]));
    const app = env.local.workloads.find((w) => w.version === 'v1');
    const clientSidecar = env.local.sidecars.find((s) => s.name === 'client');
    const serverSidecar = env.local.sidecars.find((s) => s.name === app?.name);
    if (!app || clientSidecar?.outboundPort === undefined || !serverSidecar) {
      throw new Error('the local environment has no server-v1 workload or client sidecar');
    }
    const headers = { host: 'server', [PAYLOAD_BYTES_HEADER]: String(config.payloadBytes) };
    const clientOptions = { connections: config.connections, timeoutMs: config.timeoutMs };
    const appOrigin = `http://127.0.0.1:${app.appPort}`;
    // The reference mesh's data plane is sidecars: there is no L4-only path here.
    const byMode: Record<Exclude<BenchMode, 'meshed-l4'>, OpenLoopClient> = {
      baseline: createOpenLoopClient({ origin: appOrigin, path: '/bench', headers }, clientOptions),
      meshed: createOpenLoopClient(
        { origin: `http://127.0.0.1:${clientSidecar.outboundPort}`, path: '/bench', headers },
        clientOptions,
      ),
      calibration: createOpenLoopClient(
        {
          origin: appOrigin,
          path: '/bench',
          headers: { ...headers, [DELAY_MS_HEADER]: String(config.calibrationDelayMs) },
        },
        clientOptions,
      ),
    };
    clients.push(...Object.values(byMode));

    const expectedIdentity = spiffeId(callerIdentity('client'));
    const baselineProbe = identityOf(await byMode.baseline.probe());
    const meshedProbe = identityOf(await byMode.meshed.probe());
    if (meshedProbe.status === 200 && meshedProbe.version !== 'v1') {
      throw new Error(
        `the benchmark route did not take effect: the meshed probe was served by ${meshedProbe.version}`,
      );
    }
    const pathCheck: PathCheck = {
      baseline: { status: baselineProbe.status, identity: baselineProbe.identity },
      meshed: { status: meshedProbe.status, identity: meshedProbe.identity },
      expectedIdentity,
    };
    log(
      `path check: baseline ${baselineProbe.status} (identity ${baselineProbe.identity ?? 'none'}), meshed ${meshedProbe.status} (identity ${meshedProbe.identity ?? 'none'})`,
    );

    const sampled = [
      ...(clientSidecar.pid ? [{ name: 'client-sidecar', pid: clientSidecar.pid, withChildren: true }] : []),
      ...(serverSidecar.pid ? [{ name: 'server-sidecar', pid: serverSidecar.pid, withChildren: true }] : []),
      ...(app.pid ? [{ name: 'app', pid: app.pid, withChildren: false }] : []),
    ];
    if (!procAvailable) notes.push('No /proc on this system: proxy CPU and memory were not measured.');

    // Once, before the first window: JIT-compile the generator and the echo, open every
    // connection (the sidecars' mTLS ones included) and wake the CPUs, at the top rate, so that
    // the first window measured is not a cold start.
    log('warming up every path…');
    const topRate = Math.max(...config.rates);
    for (const mode of [
      'baseline',
      'meshed',
      ...(config.calibrate ? ['calibration' as const] : []),
    ] as const) {
      await byMode[mode].runConstantRate({
        rate: topRate,
        durationMs: benchDefaults.initialWarmupMs,
        maxInFlight: config.maxInFlight,
      });
    }

    // Only the calibration's requests are delayed: the app's own record of those waits, from here on.
    const waitsFrom = (await echoWaits(appOrigin, 0)).next;
    const slices: MeasuredSlice[] = [];
    const schedule = benchSchedule(config);
    for (const { repetition, slice, rateRps: rate, mode } of schedule) {
      if (mode === 'meshed-l4') throw new Error('the local platform has no L4-only path to measure');
      const sampler = new ProcessSampler(sampled);
      const result = await byMode[mode].runConstantRate({
        rate,
        durationMs: config.durationMs / config.slices,
        warmupMs: config.warmupMs,
        maxInFlight: config.maxInFlight,
        lateAfterMs: config.lateAfterMs,
        onMeasurementStart: () => sampler.start(),
      });
      const usage = await sampler.stop();
      const window: BenchWindow = {
        rateRps: rate,
        mode,
        repetition,
        scheduled: result.scheduled,
        sent: result.sent,
        ok: result.ok,
        errors: result.errors,
        errorKinds: result.errorKinds,
        dropped: result.dropped,
        late: result.late,
        elapsedMs: result.elapsedMs,
        achievedRps: result.achievedRps,
        latency: result.latency,
        serviceTime: result.serviceTime,
        sendLag: result.sendLag,
        generator: {
          cpuMillicores: result.generatorCpuMillicores,
          eventLoopUtilization: result.eventLoopUtilization,
        },
        proxies: {
          'client-sidecar': usage.processes['client-sidecar'] ?? null,
          'server-sidecar': usage.processes['server-sidecar'] ?? null,
        },
        app: usage.processes.app ?? null,
        machineBusy: usage.machineBusy,
      };
      slices.push({ slice, window });
      const s = summarizeLatency(result.latency);
      const proxyCpu = mode === 'meshed' ? window.proxies['client-sidecar']?.cpuMillicores.avg : undefined;
      log(
        `  [${slices.length}/${schedule.length}] ${String(rate).padStart(5)} rps ${mode.padEnd(11)} #${repetition}${config.slices > 1 ? `.${slice}` : ''}: ${result.achievedRps.toFixed(1)} rps, p50 ${s.p50Ms.toFixed(3)} p90 ${s.p90Ms.toFixed(3)} p99 ${s.p99Ms.toFixed(3)} ms${result.errors + result.dropped > 0 ? `, ${result.errors} errors, ${result.dropped} dropped` : ''}${proxyCpu !== undefined ? `, client sidecar ${proxyCpu.toFixed(0)} millicores` : ''}`,
      );
    }

    const calibrationWaitMs = config.calibrate
      ? median((await echoWaits(appOrigin, waitsFrom)).waitsMs)
      : null;
    notes.push(
      'Access logs are off in every sidecar for the benchmark (Istio ships with them off), so logging costs neither the proxies nor the harness reading their output.',
      `All traffic to server is routed to server-v1 (one HttpRoute), so exactly two proxies are on the meshed path; mTLS is the mesh default PERMISSIVE: the server's sidecar detects the TLS ClientHello and terminates mTLS, as Istio's PERMISSIVE mode does.`,
      `The load generator, both proxies and the server app share this machine's ${availableParallelism()} cores with whatever else runs on it; each window's machine-wide busy share is in bench.json (machineBusy).`,
      'Every latency includes the send lag (intended → actual send, reported per mode), the same in both modes; service time from the actual send is in bench.json (serviceTimeMs).',
      'Proxy memory is the VmRSS of the haproxy master and its worker summed; shared pages count twice.',
      `CPU is read from /proc at the start and end of every slice (${config.durationMs / config.slices / 1000} s) in clock ticks of 10 ms: averages are exact over the window, the maximum is that of the busiest slice and coarse (one tick in a slice is ${Math.round(10_000 / (config.durationMs / config.slices))} millicores).`,
    );
    return {
      runId: options.runId,
      startedAt,
      finishedAt: new Date().toISOString(),
      config,
      environment: machineEnvironment(
        options.harnessVersion,
        env.meshVersion,
        proxyVersion,
        loadAverageAtStart,
      ),
      paths: {
        baseline: `load generator → server-v1's echo app (127.0.0.1:${app.appPort}) directly: no sidecars, no mTLS`,
        meshed: `load generator → client's haproxy sidecar (outbound 127.0.0.1:${clientSidecar.outboundPort}) → mTLS → server-v1's haproxy sidecar (inbound ${serverSidecar.inboundPort ?? '?'}) → server-v1's echo app`,
        calibration: `the baseline path with ${DELAY_MS_HEADER}: ${config.calibrationDelayMs} (the echo app waits ${config.calibrationDelayMs} ms before answering)`,
      },
      pathCheck,
      proxyNames: { 'client-sidecar': 'haproxy (client)', 'server-sidecar': 'haproxy (server-v1)' },
      windows: windowsFromSlices(slices.map((s) => s.window)),
      halves: halvesFromSlices(slices, config.slices),
      capacity,
      calibrationWaitMs,
      notes,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await env[Symbol.asyncDispose]();
  }
}

/** The echo's record of how long it held its delayed replies, after a marker (`GET /__echo/waits`). */
async function echoWaits(origin: string, after: number): Promise<WaitsReply> {
  const response = await request(`${origin}${WAITS_PATH}?after=${after}`);
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`the echo app at ${origin} did not list its waits (${response.statusCode})`);
  }
  return (await response.body.json()) as WaitsReply;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { LEDGER_PATH, type LedgerReply, MODE_PATH } from '../../fixtures/echo/echo-protocol.ts';
import type { ReferenceDefect } from '../meshes/reference/defects.ts';
import { readReferenceMetrics } from '../meshes/reference/read-metrics.ts';
import { installReferenceMesh } from '../meshes/reference/reference-mesh.ts';
import type { ReferenceWiring } from '../meshes/reference/wiring.ts';
import type { Environment, Timeouts, Version } from '../model/index.ts';
import { chaosTimeouts, localTimeouts, unreachable } from '../model/index.ts';
import { type LocalWorkload, startServerWorkloads } from '../platforms/local/local-workloads.ts';
import { PortAllocator } from '../platforms/local/ports.ts';
import { awaitStopped, ProcessGroup } from '../platforms/local/process-group.ts';
import { createRunDirectory, pidFileName } from '../platforms/local/process-records.ts';
import { createBuiltinDriver } from '../traffic/builtin-driver.ts';
import { type IngressAddress, ingressTarget } from '../traffic/ingress-target.ts';
import { createJwtIssuer, withBearerTokens } from '../traffic/jwt-issuer.ts';
import {
  egressTarget,
  type LocalExternalFixtures,
  reserveLocalExternalFixtures,
  withEgressFixtures,
} from './local-external.ts';
import { startLocalJwksServer } from './local-jwks.ts';

export interface LocalEnvironmentOptions {
  readonly defects?: ReadonlySet<ReferenceDefect>;
  /** Allocate ports consecutively from here instead of asking the OS for free ones. */
  readonly basePort?: number;
  /** A directory owned by the caller (the CLI), or a fresh temporary one removed on dispose. */
  readonly runDir?: string;
  readonly timeouts?: Timeouts;
  /** Per-request access logs in the sidecars (default on; the benchmark turns them off). */
  readonly accessLog?: boolean;
}

/** A process of the local platform and where it listens (for benchmarks that sample its CPU). */
export interface LocalProcessInfo {
  /** `server-v1` for an echo workload; `client`, `server-v1`, … for a sidecar. */
  readonly name: string;
  /** The process (for a haproxy sidecar, its master; the workers are its children). */
  readonly pid: number | undefined;
}

/** The local platform's processes and ports beyond what every Environment offers. */
export interface LocalTopology {
  readonly workloads: readonly (LocalProcessInfo & { readonly version: Version; readonly appPort: number })[];
  readonly sidecars: readonly (LocalProcessInfo & {
    readonly outboundPort?: number;
    readonly inboundPort?: number;
  })[];
  /** The reference mesh's wiring: what its renderer needs besides intents and defects. */
  readonly wiring: ReferenceWiring;
}

/** The local platform: an Environment that also exposes its processes and ports. */
export interface LocalEnvironment extends Environment {
  readonly local: LocalTopology;
}

export { pidFileName } from '../platforms/local/process-records.ts';

/**
 * The local platform with the reference mesh: echo workloads as processes on 127.0.0.1, a
 * haproxy sidecar for each meshed workload, the builtin traffic driver. Disposing it stops
 * every process and removes the temporary directory.
 */
export async function startLocalEnvironment(
  options: LocalEnvironmentOptions = {},
): Promise<LocalEnvironment> {
  const timeouts = options.timeouts ?? localTimeouts;
  const ownsDir = options.runDir === undefined;
  const runDir = options.runDir ?? (await createRunDirectory('meshproof-'));
  const group = new ProcessGroup(join(runDir, pidFileName), timeouts.stopGraceMs);
  let external: LocalExternalFixtures | undefined;
  const teardown = async () => {
    if (external && 'release' in external) await external.release();
    await group.stopAll();
    if (ownsDir) await rm(runDir, { recursive: true, force: true });
  };
  try {
    const ports = new PortAllocator(options.basePort);
    const workloads = await startServerWorkloads(group, ports, timeouts);
    const issuer = await createJwtIssuer();
    const jwksUrl = await startLocalJwksServer(group, ports, runDir, issuer.jwks, timeouts);
    external = await reserveLocalExternalFixtures(group, ports, timeouts);
    const mesh = await installReferenceMesh({
      runId: randomBytes(4).toString('hex'),
      dir: runDir,
      group,
      ports,
      workloads,
      defects: options.defects ?? new Set(),
      timeouts,
      ...(options.accessLog === false ? { accessLog: false } : {}),
      jwksUrl,
      ...('addresses' in external ? { external: external.addresses } : {}),
    });
    const origin = (port: number) => `http://127.0.0.1:${port}`;
    const ingress: IngressAddress = {
      http: `127.0.0.1:${mesh.ingress.httpPort}`,
      https: `127.0.0.1:${mesh.ingress.httpsPort}`,
      harnessCaPem: mesh.ingress.harnessCaPem,
    };
    const builtin = createBuiltinDriver((caller, service, presents, toIngress, egress) => {
      if (toIngress !== undefined) {
        if (caller !== 'outsider') throw new Error('only the outsider reaches the ingress gateway');
        return ingressTarget(toIngress, ingress);
      }
      if (egress) return egressTarget(mesh.wiring, caller, egress);
      const endpoints = mesh.wiring.services[service];
      if (presents !== undefined) {
        if (caller !== 'outsider') throw new Error(`only the outsider can present ${presents}`);
        const credential = mesh.forgedCredentials[presents];
        return {
          origins: endpoints.map((e) => `https://127.0.0.1:${e.port}`),
          host: service,
          tls: credential ?? {},
        };
      }
      if (caller === 'outsider') return { origins: endpoints.map((e) => origin(e.port)), host: service };
      const sidecar = mesh.wiring.sidecars.find((s) => s.name === caller);
      if (sidecar?.outboundPort === undefined) throw new Error(`caller ${caller} has no sidecar`);
      return { origins: [origin(sidecar.outboundPort)], host: service };
    }, timeouts);
    const driver = withEgressFixtures(withBearerTokens(builtin, issuer), external);
    const setMode = async (appPort: number, mode: { failStatus?: number }) => {
      const response = await request(`${origin(appPort)}${MODE_PATH}`, {
        method: 'PUT',
        body: JSON.stringify(mode),
        signal: AbortSignal.timeout(timeouts.requestMs),
      });
      await response.body.dump();
      if (response.statusCode !== 200)
        throw new Error(`echo on port ${appPort} refused mode ${JSON.stringify(mode)}`);
    };
    const paused = new Set<LocalWorkload>();
    // Returns once the signal took effect (the process is stopped, or runs again).
    const signalWorkload = async (w: LocalWorkload, signal: 'SIGSTOP' | 'SIGCONT') => {
      const pid = w.process.pid;
      if (pid === undefined || !w.process.running) throw new Error(`${w.name} is not running`);
      process.kill(pid, signal);
      await awaitStopped(
        pid,
        signal === 'SIGSTOP',
        chaosTimeouts.signalTakesEffectMs,
        chaosTimeouts.signalPollMs,
      );
    };
    // Sidecar processes are named `sidecar/…/<sidecar name>` by the reference mesh.
    const sidecarPid = (name: string) =>
      group.processes.find((p) => p.name.startsWith('sidecar/') && p.name.endsWith(`/${name}`))?.pid;
    const local: LocalTopology = {
      workloads: workloads.map((w) => ({
        name: w.name,
        version: w.version,
        appPort: w.appPort,
        pid: w.process.pid,
      })),
      sidecars: mesh.wiring.sidecars.map((s) => ({
        name: s.name,
        pid: sidecarPid(s.name),
        ...(s.outboundPort !== undefined ? { outboundPort: s.outboundPort } : {}),
        ...(s.inbound ? { inboundPort: s.inbound.port } : {}),
      })),
      wiring: mesh.wiring,
    };
    return {
      local,
      mesh: mesh.adapter,
      meshVersion: mesh.version,
      platform: 'local',
      timeouts,
      driver,
      apply: mesh.apply,
      // The local platform performs every action (the switch below handles each kind).
      cannotChaos: () => undefined,
      async chaos(action) {
        switch (action.kind) {
          case 'fail-workload':
            for (const w of workloads.filter((w) => w.version === action.version)) {
              await setMode(w.appPort, { failStatus: action.status });
            }
            return;
          case 'kill-proxy':
            return mesh.killSidecar(`server-${action.version}`);
          case 'restart-proxy':
            return mesh.restartSidecar(`server-${action.version}`);
          case 'pause-workload':
            for (const w of workloads.filter((w) => w.version === action.version)) {
              paused.add(w);
              await signalWorkload(w, 'SIGSTOP');
            }
            return;
          case 'resume-workload':
            for (const w of workloads.filter((w) => w.version === action.version)) {
              await signalWorkload(w, 'SIGCONT');
              paused.delete(w);
            }
            return;
          case 'apply-intents':
            return mesh.apply(mesh.adapter.render(action.intents));
          default:
            return unreachable(action);
        }
      },
      async reset() {
        // Paused apps first: nothing below gets an answer from them.
        for (const w of paused) await signalWorkload(w, 'SIGCONT');
        paused.clear();
        // Healthy again: each app answers its mode request, each killed sidecar is restarted and serves.
        await Promise.all(workloads.map((w) => setMode(w.appPort, {})));
        await mesh.reset();
      },
      diagnostics: mesh.diagnostics,
      async requestMetrics() {
        const scrapes: Record<string, string> = {};
        for (const sidecar of mesh.wiring.sidecars) {
          if (sidecar.metricsPort === undefined) continue;
          const response = await request(`${origin(sidecar.metricsPort)}/stats/prometheus`, {
            headersTimeout: timeouts.requestMs,
            bodyTimeout: timeouts.requestMs,
          });
          const text = await response.body.text();
          if (response.statusCode !== 200)
            throw new Error(`the metrics of sidecar ${sidecar.name} answered ${response.statusCode}`);
          scrapes[sidecar.name] = text;
        }
        return readReferenceMetrics(scrapes);
      },
      async ledger(prefix) {
        const counts = new Map<string, number>();
        for (const workload of workloads) {
          const url = `${origin(workload.appPort)}${LEDGER_PATH}?prefix=${encodeURIComponent(prefix)}`;
          const reply = (await (await request(url)).body.json()) as LedgerReply;
          for (const [id, n] of Object.entries(reply.counts)) counts.set(id, (counts.get(id) ?? 0) + n);
        }
        return counts;
      },
      [Symbol.asyncDispose]: teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Diagnostic,
  ExternalAddress,
  ExternalDestination,
  ForgedCredential,
  Intent,
  MeshAdapter,
  RenderedResource,
  Timeouts,
} from '../../model/index.ts';
import { callerIdentity, meshedCallers, serverIdentity, spiffeId } from '../../model/index.ts';
import type { LocalWorkload } from '../../platforms/local/local-workloads.ts';
import type { PortAllocator } from '../../platforms/local/ports.ts';
import type { ProcessGroup } from '../../platforms/local/process-group.ts';
import { referenceIdentityOf, referenceSupport } from './capabilities.ts';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
} from './certificate-authority.ts';
import type { ReferenceDefect } from './defects.ts';
import { HaproxySidecar, haproxyVersion, validateHaproxyConfig } from './haproxy-sidecar.ts';
import { prepareIngressGateway } from './ingress-gateway.ts';
import { fetchJwksKeyFiles } from './jwks-keys.ts';
import { renderReferenceMesh } from './render-haproxy.ts';
import { sidecarLuaSource } from './sidecar-lua.ts';
import type { ReferenceWiring, SidecarWiring } from './wiring.ts';

/** Creates the adapter of a reference mesh with known wiring (rendering is pure). */
export function referenceMeshAdapter(
  wiring: ReferenceWiring,
  defects: ReadonlySet<ReferenceDefect>,
): MeshAdapter {
  return {
    name: 'reference',
    support: referenceSupport,
    identityOf: referenceIdentityOf,
    // Every server sidecar reads HTTP, whoever calls.
    denialOf: () => 'forbidden',
    cannotRender: () => undefined,
    render: (intents: readonly Intent[]) => renderReferenceMesh(intents, wiring, defects),
  };
}

/** The installed reference mesh: its control plane applies rendered configuration to sidecars. */
export interface ReferenceMesh {
  readonly adapter: MeshAdapter;
  readonly version: string;
  readonly wiring: ReferenceWiring;
  /** What an impostor presents for each forged credential; null for no client certificate. */
  readonly forgedCredentials: Readonly<Record<ForgedCredential, IssuedCertificate | null>>;
  /** Where outside clients reach the ingress gateway, and the CA its host certificate chains to. */
  readonly ingress: { readonly httpPort: number; readonly httpsPort: number; readonly harnessCaPem: string };
  apply(resources: readonly RenderedResource[]): Promise<void>;
  /** Kills a sidecar's haproxy (master and workers, SIGKILL); it stays down until restarted. */
  killSidecar(name: string): Promise<void>;
  /** Starts a killed sidecar again on the configuration in force and waits until it serves. */
  restartSidecar(name: string): Promise<void>;
  /** Restarts every killed sidecar, then puts the baseline configuration back. */
  reset(): Promise<void>;
  diagnostics(): Promise<Diagnostic[]>;
}

export interface ReferenceMeshOptions {
  readonly runId: string;
  readonly dir: string;
  readonly group: ProcessGroup;
  readonly ports: PortAllocator;
  readonly workloads: readonly LocalWorkload[];
  readonly defects: ReadonlySet<ReferenceDefect>;
  readonly timeouts: Timeouts;
  /** Per-request access logs in every sidecar (default on; benchmarks turn them off). */
  readonly accessLog?: boolean;
  /** The `jwks` fixture's key set, fetched once at install for RequestAuthentication intents. */
  readonly jwksUrl?: string;
  /** Where the fixtures outside the registry listen, when this machine runs them (egress checks). */
  readonly external?: Readonly<Record<ExternalDestination, ExternalAddress>>;
}

/**
 * Installs the reference mesh: a fresh CA, an identity per workload, and a haproxy sidecar in
 * front of every server workload and behind every meshed caller, all on the baseline config.
 */
export async function installReferenceMesh(options: ReferenceMeshOptions): Promise<ReferenceMesh> {
  const version = await haproxyVersion();
  const dir = join(options.dir, 'reference-mesh');
  // Workload keys are written here: this user's only (the files are 0600 as well).
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority();
  const caFile = join(dir, 'ca.pem');
  const luaFile = join(dir, 'sidecar.lua');
  await writeFile(caFile, ca.rootPem);
  await writeFile(luaFile, sidecarLuaSource);

  const issue = async (name: string, identity: string) => {
    const cert = await ca.issue(identity);
    const certFile = join(dir, `${name}.pem`);
    await writeFile(certFile, cert.certificatePem + cert.privateKeyPem, { mode: 0o600 });
    return certFile;
  };
  const sidecars: SidecarWiring[] = [];
  for (const caller of meshedCallers) {
    const identity = spiffeId(callerIdentity(caller));
    sidecars.push({
      name: caller,
      identity,
      certFile: await issue(caller, identity),
      outboundPort: await options.ports.allocate(`outbound of ${caller}'s sidecar`),
      metricsPort: await options.ports.allocate(`metrics of ${caller}'s sidecar`),
      egressPort: await options.ports.allocate(`egress of ${caller}'s sidecar`),
    });
  }
  for (const workload of options.workloads) {
    const identity = spiffeId(serverIdentity(workload.version));
    sidecars.push({
      name: workload.name,
      identity,
      certFile: await issue(workload.name, identity),
      inbound: {
        port: await options.ports.allocate(`inbound of ${workload.name}'s sidecar`),
        appPort: workload.appPort,
      },
      metricsPort: await options.ports.allocate(`metrics of ${workload.name}'s sidecar`),
    });
  }
  const gateway = await prepareIngressGateway({ dir, ports: options.ports, issueMeshIdentity: issue });
  sidecars.push(gateway.sidecar);
  const wiring: ReferenceWiring = {
    runId: options.runId,
    caFile,
    luaFile,
    sidecars,
    services: {
      server: options.workloads.map((w) => ({
        version: w.version,
        sidecar: w.name,
        port: sidecars.find((s) => s.name === w.name)?.inbound?.port ?? 0,
      })),
    },
    ...(options.accessLog === false ? { accessLog: false } : {}),
    ...(options.external ? { external: options.external } : {}),
    ...(options.jwksUrl
      ? { jwtKeyFiles: await fetchJwksKeyFiles(options.jwksUrl, dir, options.timeouts.applyMs) }
      : {}),
  };
  const adapter = referenceMeshAdapter(wiring, options.defects);
  const configFile = (resourceName: string) => join(dir, `${resourceName.replace('sidecar/', '')}.cfg`);

  const baseline = adapter.render([]);
  for (const resource of baseline) {
    await writeFile(configFile(resource.name), resource.content);
    await validateHaproxyConfig(configFile(resource.name));
  }
  const running = new Map<string, HaproxySidecar>();
  await Promise.all(
    baseline.map(async (resource) => {
      running.set(
        resource.name,
        await HaproxySidecar.start(
          options.group,
          resource.name,
          configFile(resource.name),
          options.timeouts.workloadStartMs,
        ),
      );
    }),
  );

  const apply = async (resources: readonly RenderedResource[]) => {
    const changed: RenderedResource[] = [];
    for (const resource of resources) {
      const file = configFile(resource.name);
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current === resource.content) continue;
      await writeFile(`${file}.next`, resource.content);
      await validateHaproxyConfig(`${file}.next`);
      changed.push(resource);
    }
    await Promise.all(
      changed.map(async (resource) => {
        const file = configFile(resource.name);
        await writeFile(file, resource.content);
        const sidecar = running.get(resource.name);
        if (!sidecar || killed.has(resource.name)) return;
        if (options.defects.has('reload-hard-restart')) {
          // The defect: stop the old haproxy, then start a new one (a gap, and in-flight requests cut).
          await sidecar.process.stop(options.timeouts.stopGraceMs);
          running.set(resource.name, await startSidecar(resource.name));
        } else await sidecar.reload(options.timeouts.applyMs);
      }),
    );
  };
  const startSidecar = (name: string) =>
    HaproxySidecar.start(options.group, name, configFile(name), options.timeouts.workloadStartMs);
  // Sidecars killed by a chaos action, by resource name (`sidecar/server-v1`).
  const killed = new Set<string>();
  const restart = async (name: string) => {
    // The defect: the control plane restarts a killed sidecar on the mesh's baseline configuration.
    if (options.defects.has('restarted-proxy-baseline')) {
      const resource = baseline.find((r) => r.name === name);
      if (resource) await writeFile(configFile(resource.name), resource.content);
    }
    running.set(name, await startSidecar(name));
    killed.delete(name);
  };
  const sidecarNamed = (name: string) => {
    const resource = `sidecar/${name}`;
    if (!running.has(resource)) throw new Error(`no sidecar named ${name}`);
    return resource;
  };

  return {
    adapter,
    version: `haproxy ${version}`,
    wiring,
    forgedCredentials: await forgeCredentials(ca),
    ingress: {
      httpPort: gateway.listeners.httpPort,
      httpsPort: gateway.listeners.httpsPort,
      harnessCaPem: gateway.harnessCaPem,
    },
    apply,
    async killSidecar(name) {
      const resource = sidecarNamed(name);
      await running.get(resource)?.kill();
      killed.add(resource);
    },
    async restartSidecar(name) {
      const resource = sidecarNamed(name);
      if (!killed.has(resource)) throw new Error(`sidecar ${name} was not killed`);
      await restart(resource);
    },
    async reset() {
      for (const name of [...killed]) await restart(name);
      await apply(baseline);
    },
    async diagnostics() {
      const configs = await Promise.all(
        baseline.map(async (r) => ({
          title: `${r.name} (haproxy.cfg in force)`,
          content: await readFile(configFile(r.name), 'utf8'),
        })),
      );
      const logs = [...running.values()].map((s) => ({
        title: `${s.process.name} log (last lines)`,
        content: s.process.logTail(60).join('\n'),
      }));
      return [...logs, ...configs];
    },
  };
}

/** How long ago the impostor's stale certificate expired, and how long it had been valid. */
const expiredAgoMs = 10 * 60_000;
const expiredLifetimeMs = 40 * 60_000;

/**
 * The credentials an impostor presents as the `client`: a certificate with the client's SPIFFE
 * ID from a CA of its own, and one the mesh CA issued to the client that has since expired.
 */
async function forgeCredentials(
  ca: CertificateAuthority,
): Promise<Record<ForgedCredential, IssuedCertificate | null>> {
  const claimed = spiffeId(callerIdentity('client'));
  const foreign = await createCertificateAuthority({ organization: 'meshproof impostor' });
  const expiredAt = Date.now() - expiredAgoMs;
  return {
    'foreign-ca': await foreign.issue(claimed),
    expired: await ca.issue(claimed, {
      notBefore: new Date(expiredAt - expiredLifetimeMs),
      notAfter: new Date(expiredAt),
    }),
    'no-client-cert': null,
  };
}

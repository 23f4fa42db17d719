import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MeshproofError } from '../errors/meshproof-error.ts';
import type { ReferenceWiring } from '../meshes/reference/wiring.ts';
import type {
  CallerName,
  EgressTarget,
  ExternalAddress,
  ExternalDestination,
  Timeouts,
  TrafficDriver,
} from '../model/index.ts';
import { egressHostHeader, externalServiceName } from '../model/index.ts';
import { awaitListening } from '../platforms/local/local-workloads.ts';
import type { PortAllocator } from '../platforms/local/ports.ts';
import type { ProcessGroup } from '../platforms/local/process-group.ts';
import type { TrafficTarget } from '../traffic/traffic-target.ts';

const echoServerPath = fileURLToPath(new URL('../../fixtures/echo/echo-server.ts', import.meta.url));

/**
 * Loopback addresses of the two external hosts: each its own address, so that two hosts can listen
 * on one port number (as every external host does on 80) and a request is told apart by the address
 * dialled, not by a port the platform happened to hand out. Linux routes all of 127.0.0.0/8 to
 * the loopback interface.
 */
const hostAddress = { ext: '127.0.0.2', forbidden: '127.0.0.3' } as const;

/**
 * The external fixtures, or why this machine cannot run them (egress checks are then NOT_SUPPORTED).
 * Their addresses are fixed (and their ports held) when the platform starts, so that the mesh can be
 * configured for them; their processes start with the first request sent to one (`start`), so that
 * an installation no egress check runs on carries three fewer processes.
 */
export type LocalExternalFixtures =
  | {
      readonly addresses: Readonly<Record<ExternalDestination, ExternalAddress>>;
      /** Starts the fixtures once (later calls wait for the same start). */
      readonly start: () => Promise<void>;
      /** Lets go of the ports held for fixtures that never started. */
      readonly release: () => Promise<void>;
    }
  | { readonly unavailable: string };

/**
 * Reserves the fixtures outside the mesh's registry, echo processes without a sidecar: the allowed
 * host `ext` on two ports (`ext`, `ext-alt`) and the `forbidden` host on the first of them.
 */
export async function reserveLocalExternalFixtures(
  group: ProcessGroup,
  ports: PortAllocator,
  timeouts: Timeouts,
): Promise<LocalExternalFixtures> {
  const missing = await unbindableAddress(Object.values(hostAddress));
  if (missing)
    return {
      unavailable: `the loopback address ${missing} cannot be bound on this machine (Linux binds all of 127.0.0.0/8; elsewhere add it as an alias of the loopback interface), so the hosts outside the mesh cannot be started`,
    };
  const shared = await holdOn(ports, [hostAddress.ext, hostAddress.forbidden], 'the external hosts (egress)');
  const alt = await holdOn(ports, [hostAddress.ext], 'the second port of ext.example (egress)');
  const held = [...shared.servers, ...alt.servers];
  const addresses: Record<ExternalDestination, ExternalAddress> = {
    ext: { address: hostAddress.ext, port: shared.port },
    'ext-alt': { address: hostAddress.ext, port: alt.port },
    forbidden: { address: hostAddress.forbidden, port: shared.port },
  };
  const release = () => Promise.all(held.splice(0).map(closeServer)).then(() => undefined);
  let started: Promise<void> | undefined;
  const start = () => {
    started ??= release().then(() => spawnExternalFixtures(group, addresses, timeouts));
    return started;
  };
  return { addresses, start, release };
}

async function spawnExternalFixtures(
  group: ProcessGroup,
  addresses: Readonly<Record<ExternalDestination, ExternalAddress>>,
  timeouts: Timeouts,
): Promise<void> {
  await Promise.all(
    Object.entries(addresses).map(async ([destination, at]) => {
      const name = externalServiceName(destination as ExternalDestination);
      const process = group.spawn(name, globalThis.process.execPath, [echoServerPath], {
        env: {
          ...globalThis.process.env,
          PORT: String(at.port),
          HOST: at.address,
          ECHO_SERVICE: name,
          ECHO_VERSION: destination,
          ECHO_INSTANCE: `${name}-0`,
          ECHO_PARENT_PID: String(globalThis.process.pid),
        },
      });
      await awaitListening(process, `the external fixture ${name}`, at.port, timeouts);
    }),
  );
}

/** A server listening on the address and port (0: any port), or undefined where that is refused. */
function listenOn(address: string, port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    // Held ports must not keep the harness alive on their own.
    server.listen({ port, host: address, exclusive: true }, () => resolve(server.unref()));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The first of these addresses this machine cannot listen on, or undefined. */
async function unbindableAddress(addresses: readonly string[]): Promise<string | undefined> {
  for (const address of addresses) {
    const server = await listenOn(address, 0);
    if (!server) return address;
    await closeServer(server);
  }
  return undefined;
}

/** Tries before giving up on finding a port free on every external address. */
const portTries = 20;

/**
 * A port of the allocator that is also free on these addresses, held there until the fixtures
 * start: the allocator asks about 127.0.0.1 only, and another run's external hosts may want the
 * same port on 127.0.0.2.
 */
async function holdOn(
  ports: PortAllocator,
  addresses: readonly string[],
  purpose: string,
): Promise<{ readonly port: number; readonly servers: Server[] }> {
  for (let tried = 0; tried < portTries; tried++) {
    const port = await ports.allocate(purpose);
    const servers = await Promise.all(addresses.map((address) => listenOn(address, port)));
    const held = servers.filter((s): s is Server => s !== undefined);
    if (held.length === addresses.length) return { port, servers: held };
    await Promise.all(held.map(closeServer));
  }
  throw new MeshproofError(
    'MESHPROOF_PORT_IN_USE',
    `no port among ${portTries} tried is free on ${addresses.join(' and ')} (for ${purpose}); stop other runs or choose another --base-port`,
  );
}

/**
 * Where a caller's request outside the mesh goes: a meshed caller's to its sidecar's egress
 * listener, told the fixture's address as the one dialled; the outsider's straight to the fixture.
 */
export function egressTarget(
  wiring: ReferenceWiring,
  caller: CallerName,
  egress: EgressTarget,
): TrafficTarget {
  const destination = wiring.external?.[egress.destination];
  if (!destination) throw new Error(`the external fixture ${egress.destination} is not running`);
  const host = egressHostHeader(egress, destination);
  if (caller === 'outsider') return { origins: [`http://${destination.address}:${destination.port}`], host };
  const sidecar = wiring.sidecars.find((s) => s.name === caller);
  if (sidecar?.egressPort === undefined) throw new Error(`caller ${caller} has no sidecar egress listener`);
  return {
    origins: [`http://127.0.0.1:${sidecar.egressPort}`],
    host,
    originalDestination: destination,
  };
}

/**
 * The driver with the external fixtures: started before the first request outside the mesh, or,
 * where they cannot run, the reason such a request cannot be sent.
 */
export function withEgressFixtures(driver: TrafficDriver, fixtures: LocalExternalFixtures): TrafficDriver {
  if ('unavailable' in fixtures) {
    return {
      ...driver,
      cannotSend: (plan) => (plan.egress ? fixtures.unavailable : driver.cannotSend?.(plan)),
    };
  }
  return {
    ...driver,
    async send(plan, requestIdPrefix) {
      if (plan.egress) await fixtures.start();
      return driver.send(plan, requestIdPrefix);
    },
  };
}

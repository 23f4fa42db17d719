import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { ReferenceWiring } from '../../meshes/reference/wiring.ts';
import type {
  CallerName,
  EgressTarget,
  ExternalAddress,
  ExternalDestination,
  Timeouts,
  TrafficDriver,
} from '../../model/index.ts';
import { egressHostHeader, externalServiceName } from '../../model/index.ts';
import type { TrafficTarget } from '../../traffic/builtin-driver.ts';
import { awaitListening } from './local-workloads.ts';
import type { PortAllocator } from './ports.ts';
import type { ProcessGroup } from './process-group.ts';

const echoServerPath = fileURLToPath(new URL('../../../fixtures/echo/echo-server.ts', import.meta.url));

/**
 * Loopback addresses of the two external hosts: each its own address, so that two hosts can listen
 * on one port number (as every external host does on 80) and a request is told apart by the address
 * dialled, not by a port the platform happened to hand out. Linux routes all of 127.0.0.0/8 to
 * the loopback interface.
 */
const hostAddress = { ext: '127.0.0.2', forbidden: '127.0.0.3' } as const;

/** The external fixtures, or why this machine cannot run them (egress checks are then NOT_SUPPORTED). */
export type LocalExternalFixtures =
  | { readonly addresses: Readonly<Record<ExternalDestination, ExternalAddress>> }
  | { readonly unavailable: string };

/**
 * Starts the fixtures outside the mesh's registry, echo processes without a sidecar: the allowed
 * host `ext` on two ports (`ext`, `ext-alt`) and the `forbidden` host on the first of them.
 */
export async function startLocalExternalFixtures(
  group: ProcessGroup,
  ports: PortAllocator,
  timeouts: Timeouts,
): Promise<LocalExternalFixtures> {
  const missing = await unbindableAddress(Object.values(hostAddress));
  if (missing)
    return {
      unavailable: `the loopback address ${missing} cannot be bound on this machine (Linux binds all of 127.0.0.0/8; elsewhere add it as an alias of the loopback interface), so the hosts outside the mesh cannot be started`,
    };
  const port = await allocateOn(
    ports,
    [hostAddress.ext, hostAddress.forbidden],
    'the external hosts (egress)',
  );
  const altPort = await allocateOn(ports, [hostAddress.ext], 'the second port of ext.example (egress)');
  const addresses: Record<ExternalDestination, ExternalAddress> = {
    ext: { address: hostAddress.ext, port },
    'ext-alt': { address: hostAddress.ext, port: altPort },
    forbidden: { address: hostAddress.forbidden, port },
  };
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
  return { addresses };
}

/** True when this machine lets us listen on the address and port (0: any port). */
function canListen(address: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of these addresses this machine cannot listen on, or undefined. */
async function unbindableAddress(addresses: readonly string[]): Promise<string | undefined> {
  for (const address of addresses) if (!(await canListen(address, 0))) return address;
  return undefined;
}

/** Tries before giving up on finding a port free on every external address. */
const portTries = 20;

/**
 * A port of the allocator that is also free on these addresses: the allocator asks about
 * 127.0.0.1 only, and another run's external hosts may hold the same port on 127.0.0.2.
 */
async function allocateOn(
  ports: PortAllocator,
  addresses: readonly string[],
  purpose: string,
): Promise<number> {
  for (let tried = 0; tried < portTries; tried++) {
    const port = await ports.allocate(purpose);
    const free = await Promise.all(addresses.map((address) => canListen(address, port)));
    if (free.every(Boolean)) return port;
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

/** The driver, saying it cannot send requests outside the mesh where the external fixtures could not start. */
export function withEgressFixtures(driver: TrafficDriver, fixtures: LocalExternalFixtures): TrafficDriver {
  if (!('unavailable' in fixtures)) return driver;
  return {
    ...driver,
    cannotSend: (plan) => (plan.egress ? fixtures.unavailable : driver.cannotSend?.(plan)),
  };
}

import type { EgressPolicyIntent, ExternalService, Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import type { ReferenceWiring, SidecarWiring } from './wiring.ts';

/*
 * A caller sidecar's egress listener: the connections its app opens to destinations outside the
 * mesh, each arriving with a PROXY protocol header that names the address the app dialled (on a
 * cluster, iptables' original destination). It stands for Envoy's outbound side as Istio 1.30.3
 * builds it (docs/reference-mesh-semantics.md "Egress"):
 *
 * - ALLOW_ANY (the mesh default): everything passes through to the address dialled
 *   (PassthroughCluster, an ORIGINAL_DST cluster): `server 0.0.0.0:0` sends to the PROXY header's
 *   destination.
 * - REGISTRY_ONLY: a port some ServiceEntry declares has an HTTP listener that routes by Host
 *   (case-insensitively, the port stripped); a Host no ServiceEntry names meets the `block_all`
 *   virtual host, a direct response 502 (pilot/pkg/networking/core/httproute.go
 *   `buildCatchAllVirtualHost`). Any other port has no listener: the connection meets the
 *   virtualOutbound catch-all chain's tcp_proxy to BlackHoleCluster, a cluster without endpoints,
 *   and is closed without a response (listener_builder.go `buildOutboundCatchAllNetworkFiltersOnly`).
 * - An allowed host goes to the ServiceEntry's own endpoint, not to the address dialled: a request
 *   naming the allowed host but dialled to another address reaches the allowed host.
 */

/** What the egress listener is rendered from. */
export interface EgressRenderInput {
  readonly intents: readonly Intent[];
  readonly wiring: ReferenceWiring;
  readonly defects: ReadonlySet<ReferenceDefect>;
}

const hostVar = 'txn.egress_host';

/** The egress sections of a caller sidecar listening for its app's external connections on `port`. */
export function renderEgress(sidecar: SidecarWiring, port: number, input: EgressRenderInput): string[][] {
  const { defects } = input;
  const frontend = ['frontend egress', `  bind 127.0.0.1:${port} accept-proxy`];
  const passthrough = ['backend egress-passthrough', '  server original-destination 0.0.0.0:0'];
  const policy = input.intents.find((i): i is EgressPolicyIntent => i.kind === 'EgressPolicy');
  // The defect scopes the policy to one workload (a Sidecar with a workloadSelector for the client).
  const scoped = policy && !(defects.has('egress-policy-one-workload') && sidecar.name !== 'client');
  if (!policy || !scoped) return [[...frontend, '  default_backend egress-passthrough'], passthrough];

  const allowed = defects.has('egress-service-entry-unexported') ? [] : policy.allowed;
  const services = allowed.map((service) => ({ service, ...externalAddress(service, input.wiring) }));
  const allowAny = defects.has('egress-allow-any-fallback');
  const portIgnored = defects.has('egress-port-ignored');
  const ports = [...new Set(services.map((s) => s.port))];
  const lines = [
    // Host names are case-insensitive (Envoy lowers the Host before choosing a virtual host).
    // The port in a Host (`ext.example:80`) is not part of the name (Istio lists both as domains).
    `  http-request set-var(${hostVar}) req.hdr(host)${defects.has('egress-host-port-kept') ? '' : ',field(1,:)'}${defects.has('egress-host-case-sensitive') ? '' : ',lower'}`,
  ];
  // A port no ServiceEntry declares has no listener: the connection is closed (BlackHoleCluster).
  if (!allowAny && !portIgnored) {
    lines.push(
      ports.length > 0
        ? `  http-request reject unless { dst_port ${ports.join(' ')} }`
        : '  http-request reject',
    );
  }
  const backends: string[][] = [];
  for (const { service, address, port: servicePort } of services) {
    const name = `egress-${service.host}-${servicePort}`;
    const onPort = portIgnored ? '' : ` { dst_port ${servicePort} }`;
    lines.push(`  use_backend ${name} if ${hostCondition(service, defects)}${onPort}`);
    backends.push([
      `backend ${name}`,
      `  server ${service.host} ${upstreamOf(address, servicePort, defects)}`,
    ]);
  }
  // The defect gives the first ServiceEntry's virtual host the domain `*`: every unknown Host on its
  // port is served by that host (a 200 from somewhere else where a refusal was due).
  const first = services[0];
  if (first && defects.has('egress-catch-all-host')) {
    lines.push(`  use_backend egress-${first.service.host}-${first.port} if { dst_port ${first.port} }`);
  }
  const fallback = allowAny ? 'egress-passthrough' : 'egress-block-all';
  const blockAll = ['backend egress-block-all', '  http-request return status 502'];
  return [
    [...frontend, ...lines, `  default_backend ${fallback}`],
    ...backends,
    allowAny ? passthrough : blockAll,
  ];
}

/** The Host test of an allowed service: the whole name (defects: a prefix or a suffix of it). */
function hostCondition(service: ExternalService, defects: ReadonlySet<ReferenceDefect>): string {
  const method = defects.has('egress-host-prefix')
    ? 'beg'
    : defects.has('egress-host-suffix')
      ? 'end'
      : 'str';
  return `{ var(${hostVar}) -m ${method} ${service.host.toLowerCase()} }`;
}

/**
 * Where an allowed request goes: the ServiceEntry's endpoint. Defects: the address the app dialled
 * (`resolution: NONE`, an ORIGINAL_DST cluster: the Host header decides and the address is trusted),
 * or the endpoint on whatever port was dialled (the allow-list keyed by host alone).
 */
function upstreamOf(address: string, port: number, defects: ReadonlySet<ReferenceDefect>): string {
  if (defects.has('egress-host-header-trusted')) return '0.0.0.0:0';
  if (defects.has('egress-port-ignored')) return address;
  return `${address}:${port}`;
}

function externalAddress(service: ExternalService, wiring: ReferenceWiring) {
  const found = wiring.external?.[service.destination];
  if (!found)
    throw new Error(`an EgressPolicy needs the address of the external fixture ${service.destination}`);
  return found;
}

import { describe, expect, it } from 'vitest';
import type { Intent } from '../../model/index.ts';
import type { ReferenceDefect } from './defects.ts';
import { renderReferenceMesh } from './render-haproxy.ts';
import type { ReferenceWiring } from './wiring.ts';

/** Two sidecars with fixed ports: rendering is pure, nothing runs. */
const wiring: ReferenceWiring = {
  runId: 'test',
  caFile: '/run/ca.pem',
  luaFile: '/run/sidecar.lua',
  sidecars: [
    {
      name: 'client',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/client',
      certFile: '/run/client.pem',
      outboundPort: 15001,
      metricsPort: 15090,
    },
    {
      name: 'server-v1',
      identity: 'spiffe://cluster.local/ns/meshproof/sa/server',
      certFile: '/run/server-v1.pem',
      inbound: { port: 15006, appPort: 8080 },
      metricsPort: 15091,
    },
  ],
  services: { server: [{ version: 'v1', sidecar: 'server-v1', port: 15006 }] },
};
const telemetry: Intent = { kind: 'RequestTelemetry', service: 'server' };
const config = (sidecar: string, intents: readonly Intent[], defects: readonly ReferenceDefect[] = []) =>
  renderReferenceMesh(intents, wiring, new Set(defects)).find((r) => r.name === `sidecar/${sidecar}`)
    ?.content ?? '';

describe('renderReferenceMesh: request metrics', () => {
  it('are rendered only with a RequestTelemetry intent (the baseline and the other checks stay as they were)', () => {
    for (const sidecar of ['client', 'server-v1']) {
      expect(config(sidecar, [])).not.toMatch(/meshproof_|frontend metrics\n/);
      expect(config(sidecar, [telemetry])).toContain('frontend metrics\n');
    }
  });

  it('hold the metrics port without telemetry: bound, every connection refused, so no other process takes it', () => {
    const baseline = config('client', []);
    expect(baseline).toContain(
      'frontend metrics-unconfigured\n  mode tcp\n  bind 127.0.0.1:15090\n  tcp-request connection reject',
    );
    expect(config('client', [telemetry])).not.toContain('metrics-unconfigured');
  });

  it("count at the caller's outbound listener as source, by the endpoint that answered", () => {
    const client = config('client', [telemetry]);
    expect(client).toContain('http-request set-var(txn.meshproof_start) date(0,ms)');
    expect(client).toContain('http-after-response set-var(txn.meshproof_upstream) srv_name');
    expect(client).toContain(
      'http-after-response set-var(txn.meshproof_recorded) lua.meshproof_record(source,client)',
    );
    expect(client).toContain('  bind 127.0.0.1:15090');
  });

  it("count at the server's listeners as destination, the source read from the peer certificate on mTLS only", () => {
    const server = config('server-v1', [telemetry]);
    expect(server.match(/lua\.meshproof_record\(destination,server-v1\)/g)).toHaveLength(2);
    expect(server.match(/ssl_c_s_dn\(CN\),field\(7,\/\) if \{ ssl_c_used \}/g)).toHaveLength(1);
  });

  it('render each defect as the near miss it names', () => {
    expect(config('client', [telemetry], ['metrics-retries-counted'])).toContain(
      'lua.meshproof_record(source,client,attempts)',
    );
    expect(config('server-v1', [telemetry], ['metrics-5xx-dropped'])).toContain('unless { status ge 500 }');
    expect(config('server-v1', [telemetry], ['metrics-5xx-as-2xx'])).toContain(
      'int(200) if { status ge 500 }',
    );
    expect(config('server-v1', [telemetry], ['metrics-source-namespace'])).toContain('field(5,/)');
    expect(config('client', [telemetry], ['metrics-destination-first-endpoint'])).toContain(
      'set-var(txn.meshproof_upstream) str(server-v1)',
    );
    expect(config('client', [telemetry], ['metrics-reset-on-scrape'])).toContain(
      'lua.meshproof_metrics_reset',
    );
    expect(config('client', [telemetry], ['metrics-latency-seconds'])).toContain(',div(1000)');
    expect(config('client', [telemetry], ['metrics-latency-bucket-below'])).toContain(
      '(source,client,bucket-below)',
    );
  });
});

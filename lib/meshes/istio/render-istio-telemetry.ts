import type { ITelemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry';
import type { RequestTelemetryIntent } from '../../model/index.ts';
import type { MeshPlacement } from '../mesh-placement.ts';
import { type IstioObject, metadata } from './istio-object.ts';

type TelemetrySpec = NonNullable<ITelemetry['spec']>;

/**
 * A Telemetry resource without a selector in the meshed namespace: every sidecar there (the callers'
 * and the server's) reports `istio_requests_total` and `istio_request_duration_milliseconds` through
 * the `prometheus` provider, on `/stats/prometheus` of port 15090 (docs/cluster-contract.md M-rows).
 * Istio's default providers already include it; the resource makes the check's intent explicit and
 * survives a mesh config that turned the default off.
 */
export function renderIstioTelemetry(
  intent: RequestTelemetryIntent,
  at: MeshPlacement,
): IstioObject<TelemetrySpec> {
  return {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: metadata(`${intent.service}-request-metrics`, at),
    spec: { metrics: [{ providers: [{ name: 'prometheus' }] }] },
  };
}

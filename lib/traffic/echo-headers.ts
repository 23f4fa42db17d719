import * as echo from '../../fixtures/echo/echo-protocol.ts';
import type { EchoSteering, TrafficArm, TrafficPlan } from '../model/index.ts';

/** Request headers that carry a plan's steering to the echo fixture, plus the request id. */
export function requestHeaders(plan: TrafficPlan, requestId: string): Record<string, string> {
  const headers: Record<string, string> = { ...plan.headers, [echo.REQUEST_ID_HEADER]: requestId };
  const steering: EchoSteering = plan.echo ?? {};
  const set = (name: string, value: number | undefined) => {
    if (value !== undefined) headers[name] = String(value);
  };
  set(echo.STATUS_HEADER, steering.status);
  set(echo.DELAY_MS_HEADER, steering.delayMs);
  set(echo.DELAY_ATTEMPTS_HEADER, steering.delayAttempts);
  set(echo.FAIL_ATTEMPTS_HEADER, steering.failAttempts);
  set(echo.FAIL_STATUS_HEADER, steering.failStatus);
  set(echo.PAYLOAD_BYTES_HEADER, steering.payloadBytes);
  set(echo.TRICKLE_MS_HEADER, steering.trickleMs);
  if (steering.failVersions && steering.failVersions.length > 0) {
    headers[echo.FAIL_VERSIONS_HEADER] = steering.failVersions.join(',');
  }
  return headers;
}

/** The arm of request `index` of a plan with arms (they take turns), or undefined. */
export function armOf(plan: TrafficPlan, index: number): TrafficArm | undefined {
  const arms = plan.arms ?? [];
  return arms.length === 0 ? undefined : arms[index % arms.length];
}

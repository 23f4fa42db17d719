/** What one `k6 run` is told to send (the harness's TrafficPlan, resolved to a URL and headers). */
export interface K6Plan {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxDurationSeconds: number;
  readonly requestIdPrefix: string;
  readonly requestIdHeader: string;
  /** Interleaved arms: iteration i adds the headers of arms[i % arms.length] (lib/model TrafficArm). */
  readonly arms?: readonly { readonly name: string; readonly headers: Readonly<Record<string, string>> }[];
}

/** Parses and checks the plan passed in MESHPROOF_PLAN; a bad plan stops the script at once. */
export function parseK6Plan(text: string): K6Plan {
  const plan = JSON.parse(text) as Partial<K6Plan>;
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof plan.url !== 'string' || !/^https?:\/\//.test(plan.url))
    throw new Error('plan.url must be an http URL');
  if (typeof plan.method !== 'string') throw new Error('plan.method must be a string');
  for (const key of ['requests', 'concurrency', 'timeoutMs', 'maxDurationSeconds'] as const) {
    if (!positive(plan[key])) throw new Error(`plan.${key} must be a positive integer`);
  }
  if (typeof plan.requestIdPrefix !== 'string' || typeof plan.requestIdHeader !== 'string') {
    throw new Error('plan.requestIdPrefix and plan.requestIdHeader must be strings');
  }
  if (
    plan.arms !== undefined &&
    !(
      Array.isArray(plan.arms) &&
      plan.arms.every(
        (a) => typeof a?.name === 'string' && typeof a.headers === 'object' && a.headers !== null,
      )
    )
  ) {
    throw new Error('plan.arms must be a list of {name, headers}');
  }
  return plan as K6Plan;
}

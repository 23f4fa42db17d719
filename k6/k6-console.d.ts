/** k6 provides console.log (printed raw with --log-format=raw); @types/k6 does not declare it. */
declare const console: { log(...values: unknown[]): void };

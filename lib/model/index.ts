export * from './check.ts';
export * from './environment.ts';
export * from './feature.ts';
export * from './intent.ts';
export * from './timeouts.ts';
export * from './topology.ts';
export * from './traffic.ts';
export * from './verdict.ts';

import { readFile } from 'node:fs/promises';

const root = new URL('../../../', import.meta.url);

/** The echo fixture's files, shipped to clusters in a ConfigMap (it imports only node: builtins). */
export const echoFilePaths = ['fixtures/echo/echo-server.ts', 'fixtures/echo/echo-protocol.ts'] as const;

/** The `jwks` fixture's server (it imports only node: builtins). */
export const jwksServerPath = 'fixtures/jwks/jwks-server.ts';

/** The k6 script and the pure modules it imports, by their path relative to k6/. */
export const k6FilePaths = [
  'run-plan.ts',
  'lib/observation.ts',
  'lib/plan.ts',
  'bench-rate.ts',
  'lib/bench-summary.ts',
] as const;

/** Reads the files the fixtures mount: echo by file name, k6 by path relative to k6/. */
export async function readFixtureFiles(): Promise<{
  echoFiles: Record<string, string>;
  k6Files: Record<string, string>;
  jwksServer: string;
}> {
  const read = (path: string) => readFile(new URL(path, root), 'utf8');
  const echoFiles: Record<string, string> = {};
  for (const path of echoFilePaths) echoFiles[path.split('/').at(-1) as string] = await read(path);
  const k6Files: Record<string, string> = {};
  for (const path of k6FilePaths) k6Files[path] = await read(`k6/${path}`);
  return { echoFiles, k6Files, jwksServer: await read(jwksServerPath) };
}

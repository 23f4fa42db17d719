import { kube } from './kubernetes-names.ts';

/**
 * The command that calls one of the echo fixture's control paths (ledger, mode) from inside its
 * own container, on 127.0.0.1, so that the call bypasses the mesh (pure).
 */
export function echoControlArgv(method: string, path: string, body?: string): string[] {
  const init = body ? `{method:'${method}',body:${JSON.stringify(body)}}` : `{method:'${method}'}`;
  return [
    'node',
    '-e',
    `fetch('http://127.0.0.1:${kube.containerPort}${path}',${init}).then(r=>r.text()).then(t=>process.stdout.write(t))`,
  ];
}

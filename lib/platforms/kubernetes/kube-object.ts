/** A Kubernetes object as rendered: plain data, applied with server-side apply. */
export type KubeObject = {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<string, unknown>;
} & Record<string, unknown>;

/** A Deployment of one replica (pure) whose pods carry `podLabels` and run `podSpec`. */
export function oneReplicaDeployment(
  name: string,
  namespace: string,
  podLabels: Record<string, string>,
  runLabels: Record<string, string>,
  podSpec: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: runLabels },
    spec: {
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: podLabels }, spec: podSpec },
    },
  };
}

/**
 * Every pinned version of what meshproof runs on clusters, in one place. Each can be overridden
 * by an environment variable (and most by a CLI flag), so that a team can certify the exact
 * versions it runs.
 */
export const pinnedVersions = {
  /** Kubernetes distribution for ephemeral clusters (testcontainers). */
  k3sImage: { value: 'rancher/k3s:v1.33.1-k3s1', env: 'MESHPROOF_K3S_IMAGE' },
  /** Istio release installed with istioctl (the CRDs the renderer is validated against). */
  istio: { value: '1.30.3', env: 'MESHPROOF_ISTIO_VERSION' },
  /** Linkerd release installed with the linkerd CLI. */
  linkerd: { value: 'edge-26.8.3', env: 'MESHPROOF_LINKERD_VERSION' },
  /** Load generator image of the in-mesh caller pods. */
  k6Image: { value: 'grafana/k6:2.3.0', env: 'MESHPROOF_K6_IMAGE' },
  /** Stock Node image that runs the echo fixture from a ConfigMap (no image to build). */
  nodeImage: { value: 'node:24.11.1-alpine', env: 'MESHPROOF_NODE_IMAGE' },
} as const;

export type PinnedVersion = keyof typeof pinnedVersions;

/** The version in force: the environment variable when set, else the pin. */
export function versionOf(name: PinnedVersion, env: NodeJS.ProcessEnv = process.env): string {
  const pin = pinnedVersions[name];
  const override = env[pin.env]?.trim();
  return override && override.length > 0 ? override : pin.value;
}

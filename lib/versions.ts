import { MeshproofError } from './errors/meshproof-error.ts';

/**
 * What a pinned value must look like. Every value is checked where it enters (the environment),
 * so that nothing malformed reaches a manifest, a command line or `commands.sh`.
 */
type PinKind = 'image' | 'istio-version' | 'linkerd-version' | 'gateway-api-version';

/**
 * Every pinned version of what meshproof runs on clusters, in one place; each is overridable by
 * an environment variable, so that a team can certify the exact versions it runs. Every default
 * is a tag its project published (see docs/cluster-contract.md, "Pinned versions").
 */
export const pinnedVersions = {
  /** Kubernetes distribution for ephemeral clusters (testcontainers); Linkerd's own CI runs this tag. */
  k3sImage: { value: 'rancher/k3s:v1.36.3-k3s1', env: 'MESHPROOF_K3S_IMAGE', kind: 'image' },
  /** Istio release installed with istioctl (the CRDs the renderer is validated against). */
  istio: { value: '1.30.3', env: 'MESHPROOF_ISTIO_VERSION', kind: 'istio-version' },
  /** Linkerd release installed with the linkerd CLI. */
  linkerd: { value: 'edge-26.8.3', env: 'MESHPROOF_LINKERD_VERSION', kind: 'linkerd-version' },
  /** Gateway API CRDs (standard channel) installed before Linkerd on clusters meshproof creates. */
  gatewayApi: { value: 'v1.5.1', env: 'MESHPROOF_GATEWAY_API_VERSION', kind: 'gateway-api-version' },
  /** Load generator image of the caller pods: the k6 v2 release the driver's command line is written for. */
  k6Image: { value: 'grafana/k6:2.2.0', env: 'MESHPROOF_K6_IMAGE', kind: 'image' },
  /** Stock Node image that runs the echo fixture from a ConfigMap (no image to build). */
  nodeImage: { value: 'node:24.19.0-alpine', env: 'MESHPROOF_NODE_IMAGE', kind: 'image' },
} as const satisfies Record<string, { value: string; env: string; kind: PinKind }>;

export type PinnedVersion = keyof typeof pinnedVersions;

/*
 * An image reference as the distribution project's grammar defines it (distribution/reference
 * `regexp.go`): optional registry host[:port], lowercase path components separated by `.`, `_`,
 * `__` or dashes, an optional tag of at most 128 word characters, dots and dashes, an optional
 * digest. No whitespace, quotes or shell characters can match.
 */
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const imageReference = new RegExp(
  `^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);

const patterns: Readonly<Record<PinKind, { readonly re: RegExp; readonly what: string }>> = {
  image: {
    re: imageReference,
    what: 'an image reference such as grafana/k6:2.2.0 or registry:5000/k6@sha256:…',
  },
  'istio-version': { re: /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/, what: 'an Istio release such as 1.30.3' },
  'linkerd-version': {
    re: /^(?:edge-\d+\.\d+\.\d+|(?:stable|enterprise)-\d+\.\d+\.\d+|\d+\.\d+\.\d+)$/,
    what: 'a Linkerd release such as edge-26.8.3 or stable-2.14.10',
  },
  'gateway-api-version': { re: /^v\d+\.\d+\.\d+$/, what: 'a Gateway API release such as v1.5.1' },
};

/** Refuses a value that is not of its kind; never echoes more than a readable prefix of it. */
export function validatePinned(name: PinnedVersion, value: string): string {
  const pin = pinnedVersions[name];
  const pattern = patterns[pin.kind];
  if (value.length > 255 || !pattern.re.test(value)) {
    throw new MeshproofError(
      'MESHPROOF_BAD_ENV',
      `${pin.env}=${JSON.stringify(value.slice(0, 60))} is not ${pattern.what}: fix or unset it (default ${pin.value})`,
    );
  }
  return value;
}

/** The version in force: the environment variable when set (validated), else the pin. */
export function versionOf(name: PinnedVersion, env: NodeJS.ProcessEnv = process.env): string {
  const pin = pinnedVersions[name];
  const override = env[pin.env];
  if (override === undefined || override.trim() === '') return pin.value;
  return validatePinned(name, override.trim());
}

/** Every pinned value in force, validated: called first by every command that uses them. */
export function pinnedValues(env: NodeJS.ProcessEnv = process.env): Record<PinnedVersion, string> {
  return Object.fromEntries(
    (Object.keys(pinnedVersions) as PinnedVersion[]).map((name) => [name, versionOf(name, env)]),
  ) as Record<PinnedVersion, string>;
}

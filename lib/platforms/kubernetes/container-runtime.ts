import { getContainerRuntimeClient } from 'testcontainers';
import { MeshproofError } from '../../errors/meshproof-error.ts';

/** What the runtime's `/info` says about itself (Docker Engine API, also served by Podman). */
export interface RuntimeInfo {
  readonly SecurityOptions?: readonly string[] | null;
  readonly OperatingSystem?: string;
}

/**
 * Whether a Docker-compatible runtime runs rootless: both Docker (moby `daemon/info.go`) and
 * Podman's compatible API (`pkg/api/handlers/compat/info.go`) list `name=rootless` among
 * `SecurityOptions` (pure).
 */
export function isRootless(info: RuntimeInfo): boolean {
  return (info.SecurityOptions ?? []).some((option) =>
    option.split(',').some((field) => field.trim() === 'name=rootless'),
  );
}

/**
 * Fails fast with the ways forward when no Docker-compatible runtime answers (testcontainers
 * looks at DOCKER_HOST, the Docker and Podman sockets and testcontainers' own config), or when it
 * is rootless: the k3s container needs privileged mode and the host's cgroups, which a rootless
 * runtime cannot give (testcontainers `docs/modules/k3s.md`), and k3s would fail much later.
 */
export async function requireContainerRuntime(
  info: () => Promise<RuntimeInfo> = async () =>
    (await getContainerRuntimeClient()).container.dockerode.info(),
): Promise<void> {
  let answer: RuntimeInfo;
  try {
    answer = await info();
  } catch (cause) {
    throw new MeshproofError(
      'MESHPROOF_NO_CONTAINER_RUNTIME',
      'no container runtime answers (Docker or Podman is needed for an ephemeral k3s cluster): start Docker/Podman (or set DOCKER_HOST), or use an existing cluster with --platform kubeconfig --context NAME, or run the local proving ground with MESH=reference',
      { cause },
    );
  }
  if (isRootless(answer)) {
    throw new MeshproofError(
      'MESHPROOF_ROOTLESS_RUNTIME',
      'the container runtime is rootless, and an ephemeral k3s needs a privileged container with the host cgroups: use a rootful Docker/Podman (DOCKER_HOST=unix:///var/run/docker.sock), or an existing cluster with --platform kubeconfig --context NAME',
    );
  }
}

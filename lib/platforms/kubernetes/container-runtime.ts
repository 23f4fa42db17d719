import { getContainerRuntimeClient } from 'testcontainers';
import { MeshproofError } from '../../errors/meshproof-error.ts';

/**
 * Fails fast with the ways forward when no Docker-compatible runtime answers (testcontainers
 * looks at DOCKER_HOST, the Docker and Podman sockets and testcontainers' own config).
 */
export async function requireContainerRuntime(): Promise<void> {
  try {
    await getContainerRuntimeClient();
  } catch (cause) {
    throw new MeshproofError(
      'MESHPROOF_NO_CONTAINER_RUNTIME',
      'no container runtime answers (Docker or Podman is needed for an ephemeral k3s cluster): start Docker/Podman (or set DOCKER_HOST), or use an existing cluster with --platform kubeconfig --context NAME, or run the local proving ground with MESH=reference',
      { cause },
    );
  }
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from './kube-client.ts';
import { kubeDirName } from './kubernetes-names.ts';
import { Ownership } from './ownership.ts';

/**
 * What a stopped cluster run left (the CLI calls this on Ctrl-C, when the environment itself had
 * no chance to clean up): the objects it recorded as created on the cluster, deleted exactly (by
 * uid, with the run's own kubeconfig), and the ephemeral k3s container. Never throws.
 */
export async function removeClusterLeftovers(
  workDir: string,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  try {
    const kubeconfig = readFileSync(join(workDir, kubeDirName, 'kubeconfig'), 'utf8');
    const client = KubeClient.fromString(kubeconfig);
    await new Ownership(workDir, 'run').release(client, log);
    await new Ownership(workDir, 'mesh').release(client, log);
  } catch {
    // No kubeconfig yet (nothing was created), or the cluster went away with the container.
  }
  await removeClusterContainer(workDir);
}

/**
 * An ephemeral k3s cluster records its container id in the work directory: remove it (the
 * testcontainers reaper would too, but not if the reaper itself was stopped).
 */
async function removeClusterContainer(workDir: string): Promise<void> {
  let id: string;
  try {
    id = readFileSync(join(workDir, 'container-id'), 'utf8').trim();
  } catch {
    return;
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const container = client.container.getById(id);
    await client.container.stop(container, { timeout: 0 }).catch(() => undefined);
    await client.container.remove(container, { removeVolumes: true });
  } catch {
    // Already gone, or the runtime went away with it.
  }
}

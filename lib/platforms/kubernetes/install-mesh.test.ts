import { describe, expect, it } from 'vitest';
import { clusterMeshFor } from '../../meshes/cluster-meshes.ts';
import { type CliStep, shellLine } from './cli-steps.ts';
import { installMesh } from './install-mesh.ts';

const failing = (pattern: RegExp) => async (step: CliStep) => {
  if (pattern.test(shellLine(step))) throw new Error(`${shellLine(step)} exited 1: the cluster is too old`);
};

describe('installMesh', () => {
  it.each(['istio', 'linkerd'] as const)(
    'turns a failed %s pre-flight check into a coded error',
    async (name) => {
      await expect(
        installMesh(clusterMeshFor(name), { gatewayApiCrds: false }, failing(/precheck|check --pre/)),
      ).rejects.toMatchObject({
        code: 'MESHPROOF_MESH_PRECHECK_FAILED',
        message: expect.stringContaining('the cluster is too old'),
      });
    },
  );

  it('turns a failed install into a coded error and stops there', async () => {
    const ran: string[] = [];
    const run = async (step: CliStep) => {
      ran.push(shellLine(step));
      if (ran.length === 3) throw new Error('linkerd install exited 1');
    };
    await expect(installMesh(clusterMeshFor('linkerd'), { gatewayApiCrds: true }, run)).rejects.toMatchObject(
      {
        code: 'MESHPROOF_MESH_INSTALL_FAILED',
      },
    );
    expect(ran).toEqual([
      'linkerd check --pre',
      'linkerd install --crds --set installGatewayAPI=false | kubectl apply -f -',
      'linkerd install | kubectl apply -f -',
    ]);
  });
});

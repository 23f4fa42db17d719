import { describe, expect, it } from 'vitest';
import { cannotReadMetricsIn } from './capability-matrix.ts';
import { clusterMeshFor } from './cluster-meshes.ts';

describe('which cluster meshes meshproof reads the metrics of', () => {
  it('is the same in the capability matrix as in the cluster path', () => {
    for (const mesh of [
      clusterMeshFor('istio'),
      clusterMeshFor('istio', 'gateway-api'),
      clusterMeshFor('istio-ambient'),
      clusterMeshFor('linkerd'),
    ]) {
      expect(cannotReadMetricsIn[mesh.mode] === undefined, mesh.mode).toBe(mesh.metrics !== undefined);
    }
  });
});

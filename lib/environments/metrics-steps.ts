import type { ClusterMetricsReader } from '../meshes/cluster-mesh.ts';
import type { TopologyNames } from '../model/index.ts';
import { clusterWaits, meshedCallers } from '../model/index.ts';
import type { LiveStep } from '../platforms/kubernetes/live-steps.ts';
import { k6ExecTarget } from '../traffic/k6-driver.ts';
import { serverTarget, serverVersions } from './cluster-steps.ts';

/**
 * One scrape of the mesh's request metrics: the proxy of every meshed workload, the callers' k6
 * pods and one pod per server version (as the echo ledger reads them), each keyed by its Deployment.
 * Run live before and after a check's traffic, and written by plan mode.
 */
export function metricsScrapeSteps(
  reader: ClusterMetricsReader,
  names: TopologyNames,
): Extract<LiveStep, { kind: 'exec' }>[] {
  return [
    ...meshedCallers.map((caller) => k6ExecTarget(caller, names)),
    ...serverVersions.map((version) => serverTarget(names, version)),
  ].map((target) => reader.step(target, clusterWaits.shortExecMs));
}

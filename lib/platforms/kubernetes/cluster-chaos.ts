import type { ChaosAction } from '../../model/index.ts';
import { unreachable } from '../../model/index.ts';

/**
 * Why a cluster cannot perform a chaos action yet, or undefined when `chaosSteps` performs it.
 * The chaos timeline's actions are built on the local platform only so far (issue #15); on a
 * cluster the check is NOT_SUPPORTED with this reason, never run without its disruption.
 */
export function clusterCannotChaos(action: ChaosAction): string | undefined {
  switch (action.kind) {
    case 'fail-workload':
      return undefined;
    case 'kill-proxy':
    case 'restart-proxy':
      return `${action.kind}: killing and restarting a proxy container under traffic is not built on clusters yet (#15)`;
    case 'pause-workload':
    case 'resume-workload':
      return `${action.kind}: pausing a pod's app container is not built on clusters yet (#15)`;
    case 'apply-intents':
      return 'apply-intents: a configuration change while traffic flows is not built on clusters yet (#15)';
    default:
      return unreachable(action);
  }
}

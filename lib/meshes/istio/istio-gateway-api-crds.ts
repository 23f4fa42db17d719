import { MeshproofError } from '../../errors/meshproof-error.ts';
import type { KubeClient } from '../../platforms/kubernetes/kube-client.ts';
import type { LiveStep } from '../../platforms/kubernetes/live-steps.ts';
import { compareBundleVersions } from '../linkerd/linkerd-install.ts';

/**
 * The Gateway API CRDs Istio's Gateway API modes need: the experimental channel, because an
 * HTTPRoute's `retry` (which also turns Istio's default retries off) is not in the standard
 * channel, and the API server prunes a field its CRD does not know: a retry policy would silently
 * become Istio's default (kubernetes-sigs/gateway-api v1.5.1 `config/crd/standard/…_httproutes.yaml`
 * has no `retry`, `config/crd/experimental/…` has it). Istio 1.30.3 builds against v1.5.1 (go.mod).
 */
export const istioGatewayApiChannel = 'experimental';

/** The oldest bundle whose experimental HTTPRoute and Gateway have every field rendered (retry, mirror percent, infrastructure). */
export const istioMinimumGatewayApi = 'v1.2.1';

/** The CRDs the renderer writes objects of, by name. */
const crdNames = ['httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io'] as const;

/**
 * Installs the experimental channel (server-side: the CRDs are too large for a client-side apply's
 * annotation). Only on a cluster the run created: elsewhere they are cluster-wide objects others rely on.
 */
export function istioGatewayApiInstallStep(gatewayApiVersion: string): LiveStep {
  return {
    kind: 'cli',
    title: `install the Gateway API CRDs ${gatewayApiVersion}, experimental channel (HTTPRoute retry is experimental; Istio's Gateway API modes render it)`,
    argv: [
      'kubectl',
      'apply',
      '--server-side',
      '-f',
      `https://github.com/kubernetes-sigs/gateway-api/releases/download/${gatewayApiVersion}/experimental-install.yaml`,
    ],
  };
}

/**
 * Why a cluster's Gateway API CRD cannot carry what meshproof renders for Istio's Gateway API
 * modes (read from the bundle annotations), or undefined when it can.
 */
export function istioGatewayApiProblem(
  name: string,
  crd: { served: string[]; annotations: Record<string, string> } | undefined,
): string | undefined {
  const install = `kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/experimental-install.yaml`;
  if (!crd)
    return `CRD ${name} is not installed: install the Gateway API CRDs (experimental channel), e.g. ${install}`;
  if (!crd.served.includes('v1')) return `CRD ${name} does not serve v1 (served: ${crd.served.join(', ')})`;
  const version = crd.annotations['gateway.networking.k8s.io/bundle-version'];
  const channel = crd.annotations['gateway.networking.k8s.io/channel'];
  if (!version || !channel) {
    return `CRD ${name} has no gateway.networking.k8s.io/bundle-version or /channel annotation: its version cannot be told`;
  }
  if (channel !== istioGatewayApiChannel) {
    return `the Gateway API CRDs are the ${channel} channel (${version}), whose HTTPRoute has no retry: the API server would drop the retry policies meshproof renders and Istio would retry by its defaults; install the experimental channel (${install}) or run with --routing virtual-service`;
  }
  if (compareBundleVersions(version, istioMinimumGatewayApi) < 0) {
    return `the Gateway API CRDs are ${version}, older than ${istioMinimumGatewayApi}: fields meshproof renders would be dropped; upgrade them (${install})`;
  }
  return undefined;
}

/** Refuses a cluster whose Gateway API CRDs cannot carry the rendered routes (MESHPROOF_CRDS_OUT_OF_RANGE). */
export async function requireIstioGatewayApi(client: KubeClient): Promise<void> {
  for (const name of crdNames) {
    const problem = istioGatewayApiProblem(name, await client.crd(name));
    if (problem) throw new MeshproofError('MESHPROOF_CRDS_OUT_OF_RANGE', problem);
  }
}

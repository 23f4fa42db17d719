import { type BenchReport, benchThresholds, type LatencyFigures, type ModeResult } from './bench-report.ts';

/**
 * Compares two benchmark runs point by point (pure). Two runs of the same configuration on the
 * same machine should agree: the p50 of every point within the repeatability threshold (10%).
 * Before and after a mesh upgrade, the points that moved beyond it are the upgrade's effect
 * (or the machine's), the others are within run-to-run noise.
 */

/** One mode at one rate in both runs. */
export interface BenchPointDiff {
  readonly targetRps: number;
  readonly mode: 'baseline' | 'meshed';
  /** Pooled p50 (ms) in each run; null when the point was invalid (no latency) or not measured. */
  readonly base: number | null;
  readonly candidate: number | null;
  /** |candidate − base| / min(base, candidate); null when either is missing. */
  readonly relative: number | null;
  /** Within the threshold; null when not compared. */
  readonly agrees: boolean | null;
}

/** The added latency (meshed − baseline) and proxy CPU at one rate in both runs. */
export interface BenchOverheadDiff {
  readonly targetRps: number;
  readonly base: Pick<LatencyFigures, 'p50' | 'p90' | 'p99'> | null;
  readonly candidate: Pick<LatencyFigures, 'p50' | 'p90' | 'p99'> | null;
  /** Average CPU of both proxies together (millicores) in each run. */
  readonly proxyCpuMillicores: { readonly base: number | null; readonly candidate: number | null };
  /** Largest RSS of any proxy (MiB) in each run. */
  readonly proxyMemoryMiB: { readonly base: number | null; readonly candidate: number | null };
}

/** What identifies a benchmark run in a comparison. */
export interface BenchRunReference {
  readonly runId: string;
  readonly startedAt: string;
  readonly mesh: string;
  readonly meshVersion: string;
  readonly proxy: string;
  readonly platform: string;
  readonly machine: string;
  readonly passed: boolean;
}

/** diff.json of two benchmark runs. */
export interface BenchDiff {
  readonly apiVersion: 'meshproof.dev/v1alpha1';
  readonly kind: 'SidecarOverheadBenchmarkDiff';
  /** AGREE: every point measured in both runs has its p50 within the threshold; DIFFER: some has not; NOTHING_COMPARED: no point was valid in both. */
  readonly verdict: 'AGREE' | 'DIFFER' | 'NOTHING_COMPARED';
  readonly threshold: number;
  readonly base: BenchRunReference;
  readonly candidate: BenchRunReference;
  /** How the runs differ in method or environment: figures of runs that differ here compare less well. */
  readonly notes: readonly string[];
  readonly points: readonly BenchPointDiff[];
  readonly overhead: readonly BenchOverheadDiff[];
}

function reference(report: BenchReport): BenchRunReference {
  const env = report.environment;
  return {
    runId: report.runId,
    startedAt: report.startedAt,
    mesh: env.mesh,
    meshVersion: env.meshVersion,
    proxy: `${env.proxy.name} ${env.proxy.version}`,
    platform: env.platform,
    machine: `${env.cores} cores (${env.cpuModel})`,
    passed: report.passed,
  };
}

/** The settings and environment in which the two runs differ, in words. */
function differences(base: BenchReport, candidate: BenchReport): string[] {
  const b = base.testConfig;
  const c = candidate.testConfig;
  const notes: string[] = [];
  const compare = (label: string, x: unknown, y: unknown) => {
    const left = JSON.stringify(x);
    const right = JSON.stringify(y);
    if (left !== right) notes.push(`${label} differs: ${left} → ${right}`);
  };
  compare('rates', b.rates, c.rates);
  compare('duration (s)', b.durationSeconds, c.durationSeconds);
  compare('slices', b.slices, c.slices);
  compare('repetitions', b.repetitions, c.repetitions);
  compare('connections', b.connections, c.connections);
  compare('payload (bytes)', b.payloadBytes, c.payloadBytes);
  compare('platform', base.environment.platform, candidate.environment.platform);
  compare('mesh', base.environment.mesh, candidate.environment.mesh);
  compare('mesh version', base.environment.meshVersion, candidate.environment.meshVersion);
  compare('machine', reference(base).machine, reference(candidate).machine);
  if (!base.passed) notes.push(`a self-check failed in the base run ${base.runId}`);
  if (!candidate.passed) notes.push(`a self-check failed in the candidate run ${candidate.runId}`);
  return notes;
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

function p50Of(report: BenchReport, rate: number, mode: 'baseline' | 'meshed'): number | null {
  const point = report.results.find((p) => p.targetRps === rate);
  const result: ModeResult | undefined = point?.[mode];
  return result?.latenciesMs?.p50 ?? null;
}

function overheadOf(report: BenchReport, rate: number) {
  const point = report.results.find((p) => p.targetRps === rate);
  const added = point?.addedLatencyMs;
  // The full meshed path's proxies (an ambient report also lists the L4-only path's; older reports have no mode).
  const proxies = (point?.proxies ?? []).filter((p) => p.mode !== 'meshed-l4');
  const cpu = proxies.map((p) => p.cpuMillicores?.avg).filter((v): v is number => v !== undefined);
  const memory = proxies.map((p) => p.memoryMiB?.max).filter((v): v is number => v !== undefined);
  return {
    added: added ? { p50: added.p50, p90: added.p90, p99: added.p99 } : null,
    cpu:
      cpu.length > 0
        ? round(
            cpu.reduce((a, v) => a + v, 0),
            1,
          )
        : null,
    memory: memory.length > 0 ? Math.max(...memory) : null,
  };
}

/** Compares BASE and CANDIDATE benchmark runs at every rate either measured. */
export function diffBenchReports(
  base: BenchReport,
  candidate: BenchReport,
  threshold: number = benchThresholds.maxP50Spread,
): BenchDiff {
  const rates = [...new Set([...base.testConfig.rates, ...candidate.testConfig.rates])].sort((a, b) => a - b);
  const points = rates.flatMap((targetRps) =>
    (['baseline', 'meshed'] as const).map((mode): BenchPointDiff => {
      const b = p50Of(base, targetRps, mode);
      const c = p50Of(candidate, targetRps, mode);
      const low = b === null || c === null ? null : Math.min(b, c);
      const relative =
        b === null || c === null || low === null ? null : low > 0 ? round(Math.abs(c - b) / low) : 0;
      return {
        targetRps,
        mode,
        base: b,
        candidate: c,
        relative,
        agrees: relative === null ? null : relative <= threshold,
      };
    }),
  );
  const compared = points.filter((p) => p.agrees !== null);
  return {
    apiVersion: 'meshproof.dev/v1alpha1',
    kind: 'SidecarOverheadBenchmarkDiff',
    verdict:
      compared.length === 0 ? 'NOTHING_COMPARED' : compared.every((p) => p.agrees) ? 'AGREE' : 'DIFFER',
    threshold,
    base: reference(base),
    candidate: reference(candidate),
    notes: differences(base, candidate),
    points,
    overhead: rates.map((targetRps) => {
      const b = overheadOf(base, targetRps);
      const c = overheadOf(candidate, targetRps);
      return {
        targetRps,
        base: b.added,
        candidate: c.added,
        proxyCpuMillicores: { base: b.cpu, candidate: c.cpu },
        proxyMemoryMiB: { base: b.memory, candidate: c.memory },
      };
    }),
  };
}

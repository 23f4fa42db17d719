import { markdownCode, markdownCell as text } from '../text/markdown-escape.ts';
import type { BenchReport, LatencyFigures, ModeResult, RatePoint, SelfCheck } from './bench-report.ts';
import type { MeshedMode } from './bench-types.ts';
import type { AvgMax } from './proc-stats.ts';

const ms = (value: number) => value.toFixed(3);
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
const whole = (value: number) => Math.round(value).toLocaleString('en-US');
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const orDash = <T>(value: T | null | undefined, format: (v: T) => string) =>
  value === null || value === undefined ? '–' : format(value);

/** Columns of the per-mode latency table, shared by bench.md and bench.html. */
export const modeTableHeader = [
  'rate',
  'mode',
  'achieved rps',
  'requests',
  'errors',
  'dropped',
  'late',
  'min',
  'avg',
  'p50',
  'p90',
  'p99',
  'p99.9',
  'max',
  'p50 across repetitions',
  'p50 odd / even slices',
] as const;

/** The spread of p50 between repetitions, as printed in both tables. */
export function repetitionSpreadCell(mode: ModeResult): string {
  return mode.spreadMs
    ? `${ms(mode.spreadMs.p50.min)}–${ms(mode.spreadMs.p50.max)} (${pct(mode.spreadMs.p50.relative)})`
    : '–';
}

/** p50 of the run's odd and even slices (the repeatability check's two runs), as printed in both tables. */
export function halvesCell(mode: ModeResult): string {
  return mode.halvesP50Ms
    ? `${ms(mode.halvesP50Ms.first)} / ${ms(mode.halvesP50Ms.second)} (${pct(mode.halvesP50Ms.relative)})`
    : '–';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.map(text).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(text).join(' | ')} |`),
  ].join('\n');
}

const statusMark: Record<SelfCheck['status'], string> = {
  passed: '✓ passed',
  failed: '✗ FAILED',
  'not-run': '– not run',
};

function latencyCells(figures: LatencyFigures | null): string[] {
  if (!figures) return ['–', '–', '–', '–', '–', '–', '–'];
  return [figures.min, figures.avg, figures.p50, figures.p90, figures.p99, figures.p999, figures.max].map(ms);
}

function avgMaxCells(value: AvgMax | null, format: (v: number) => string): string[] {
  return value ? [format(value.avg), format(value.max)] : ['–', '–'];
}

function modeRow(rate: number, mode: ModeResult): string[] {
  return [
    String(rate),
    mode.mode,
    mode.actualRps.toFixed(1),
    whole(mode.requests),
    whole(mode.errors),
    whole(mode.dropped),
    orDash(mode.late, whole),
    ...latencyCells(mode.latenciesMs),
    repetitionSpreadCell(mode),
    halvesCell(mode),
  ];
}

/** Whether the report has Istio ambient's two meshed paths (ztunnel alone, and with the waypoint). */
export function hasL4Path(report: BenchReport): boolean {
  return report.paths['meshed-l4'] !== undefined;
}

/** A meshed path's name for a reader: in ambient the two paths are told apart. */
export function meshedPathLabel(report: BenchReport, mode: MeshedMode): string {
  if (!hasL4Path(report)) return 'meshed';
  return mode === 'meshed' ? 'ztunnel + waypoint (L7)' : 'ztunnel only (L4)';
}

/** Every mode measured at a point, in the order the tables show them. */
export function modesOf(point: RatePoint): ModeResult[] {
  return [point.baseline, point.meshed, ...(point.meshedL4 ? [point.meshedL4.result] : [])];
}

function addedRows(
  report: BenchReport,
  pick: (p: RatePoint) => Pick<RatePoint, 'addedLatencyMs' | 'addedLatencySpreadMs'> | undefined,
): string[][] {
  return report.results.map((p) => {
    const added = pick(p);
    if (!added?.addedLatencyMs)
      return [String(p.targetRps), `invalid: ${p.problems.slice(0, 2).join('; ')}`, '', '', '', '', '', ''];
    const a = added.addedLatencyMs;
    const range = (key: 'p50' | 'p90') => {
      const r = added.addedLatencySpreadMs?.[key];
      return r ? `${signed(r.min)} … ${signed(r.max)}` : '–';
    };
    return [
      String(p.targetRps),
      signed(a.p50),
      signed(a.p90),
      signed(a.p99),
      signed(a.p999),
      signed(a.max),
      range('p50'),
      range('p90'),
    ];
  });
}

const addedHeader = [
  'rate (rps)',
  'p50 (ms)',
  'p90 (ms)',
  'p99 (ms)',
  'p99.9 (ms)',
  'max (ms)',
  'p50 range',
  'p90 range',
];

/** Columns of the proxies table, shared by bench.md and bench.html (ambient adds the path and Istio's figures). */
export function proxyTableHeader(ambient: boolean, memory: 'memory' | 'RSS'): string[] {
  return [
    'rate (rps)',
    ...(ambient ? ['path'] : []),
    'proxy',
    'CPU avg (millicores)',
    'CPU max (millicores)',
    'CPU per 1000 rps',
    ...(ambient ? ['published CPU per 1000 rps'] : []),
    `${memory} avg (MiB)`,
    `${memory} max (MiB)`,
    ...(ambient ? ['published memory (MB)'] : []),
  ];
}

function proxyTable(report: BenchReport): string {
  const ambient = hasL4Path(report);
  const header = proxyTableHeader(ambient, 'memory');
  const rows = report.results.flatMap((p) =>
    p.proxies.map((proxy) => [
      String(p.targetRps),
      ...(ambient ? [meshedPathLabel(report, proxy.mode)] : []),
      proxy.name,
      ...avgMaxCells(proxy.cpuMillicores, (v) => v.toFixed(1)),
      orDash(proxy.cpuMillicoresPer1000Rps, (v) => v.toFixed(1)),
      ...(ambient ? [orDash(proxy.published, (f) => String(f.cpuMillicoresPer1000Rps))] : []),
      ...avgMaxCells(proxy.memoryMiB, (v) => v.toFixed(1)),
      ...(ambient ? [orDash(proxy.published, (f) => String(f.memoryMB))] : []),
    ]),
  );
  return table(header, rows);
}

/** bench.md: the benchmark's figures and self-checks as a CI job summary or a page to read (pure). */
export function renderBenchMarkdown(report: BenchReport): string {
  const env = report.environment;
  const config = report.testConfig;
  const ambient = hasL4Path(report);
  const lines: string[] = [];
  lines.push(
    `# ${ambient ? 'Ambient data-plane overhead (ztunnel, waypoint)' : 'Sidecar overhead'}: ${text(env.mesh)} mesh (${text(env.proxy.name)} ${text(env.proxy.version)}) on ${text(env.platform)}`,
    '',
    `Run ${markdownCode(report.runId)} · ${text(report.startedAt)} · ${env.cores} cores (${text(env.cpuModel)}) · load average at start ${env.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')} · meshproof ${text(env.harnessVersion)} · Node ${text(env.node)}`,
    '',
    report.passed
      ? '**Self-checks passed**: the figures below are measurements as far as the method can tell.'
      : '**A self-check FAILED**: read the figures below with that in mind (invalid points carry no latency).',
    '',
    ...(report.otherLoadMillicores
      ? [
          `Other processes on this machine used on average ${report.otherLoadMillicores.avg.toFixed(0)} millicores (at most ${report.otherLoadMillicores.max.toFixed(0)}) of the ${env.cores * 1000} during the windows: the more, the noisier the figures.`,
          '',
        ]
      : []),
    table(
      ['self-check', 'status', 'want', 'got'],
      report.selfChecks.map((c) => [c.name, statusMark[c.status], c.want, c.got]),
    ),
    '',
    ambient
      ? '## Added latency (ztunnel + waypoint (L7) − baseline)'
      : '## Added latency (meshed − baseline)',
    '',
    `Pooled over ${config.repetitions} repetition(s) of ${config.durationSeconds} s per mode and rate; the range is the lowest and highest difference of a single repetition's back-to-back pair.`,
    '',
    table(
      addedHeader,
      addedRows(report, (p) => p),
    ),
    '',
    ...(ambient
      ? [
          '## Added latency (ztunnel only (L4) − baseline)',
          '',
          table(
            addedHeader,
            addedRows(report, (p) => p.meshedL4),
          ),
          '',
        ]
      : []),
    ambient ? '## Proxies on the meshed paths' : '## Proxies on the meshed path',
    '',
    ambient
      ? "CPU and memory per container from the metrics API (metrics-server), over the windows of each path; CPU per 1000 rps of the path's achieved rate, next to Istio's published figure for that proxy."
      : 'CPU from utime+stime of the proxy process and its children, memory as their summed VmRSS (local), or the metrics API per container (clusters).',
    '',
    proxyTable(report),
    '',
    '## Latency by mode (ms, from the intended send time)',
    '',
    table(
      [...modeTableHeader],
      report.results.flatMap((p) => modesOf(p).map((m) => modeRow(p.targetRps, m))),
    ),
    '',
    '## Load generator and machine',
    '',
    table(
      [
        'rate',
        'mode',
        'generator CPU avg (millicores)',
        'event loop busy (max)',
        'send lag p50 / p99 (ms)',
        'server app CPU (millicores)',
        'machine busy (avg, all cores)',
        'other processes (millicores)',
      ],
      report.results.flatMap((p) =>
        modesOf(p).map((m) => [
          String(p.targetRps),
          m.mode,
          orDash(m.generator.cpuMillicores, (v) => v.avg.toFixed(0)),
          orDash(m.generator.eventLoopUtilization, (v) => pct(v.max)),
          orDash(m.sendLagMs, (v) => `${ms(v.p50)} / ${ms(v.p99)}`),
          orDash(m.app, (v) => v.cpuMillicores.avg.toFixed(0)),
          orDash(m.machineBusy, (v) => pct(v.avg)),
          orDash(m.otherLoadMillicores, (v) => v.avg.toFixed(0)),
        ]),
      ),
    ),
    '',
  );

  lines.push('## Calibration', '');
  if (report.calibration) {
    const c = report.calibration;
    lines.push(
      `A known ${c.delayMs} ms delay (${text(report.paths.calibration)}) at ${c.rateRps} rps was measured as **${signed(c.measuredMs)} ms** at p50 (tolerance ±${c.toleranceMs} ms; per repetition ${c.perRepetitionMs.map(signed).join(', ')} ms; p90 shift ${signed(c.measuredP90Ms)} ms): ${c.passed ? 'passed' : 'FAILED'}.`,
      '',
    );
  } else {
    lines.push('Not run (add `--calibrate`).', '');
  }

  lines.push('## Driver capacity', '');
  const capacity = report.driverCapacity;
  if (capacity) {
    const rows = [
      [
        'meshproof open-loop driver (closed loop)',
        whole(capacity.driver.requestsPerSecond),
        ms(capacity.driver.p50Ms),
        ms(capacity.driver.p99Ms),
        orDash(capacity.driver.generatorCpuMillicores, (v) => v.toFixed(0)),
        orDash(capacity.driver.targetCpuMillicores, (v) => v.toFixed(0)),
      ],
    ];
    if ('requestsPerSecond' in capacity.wrk) {
      rows.push([
        `wrk ${capacity.wrk.version} (${capacity.wrk.threads} thread)`,
        whole(capacity.wrk.requestsPerSecond),
        ms(capacity.wrk.p50Ms),
        ms(capacity.wrk.p99Ms),
        orDash(capacity.wrk.generatorCpuMillicores, (v) => v.toFixed(0)),
        orDash(capacity.wrk.targetCpuMillicores, (v) => v.toFixed(0)),
      ]);
    }
    const top = Math.max(...report.testConfig.rates);
    lines.push(
      `Maximum throughput against ${text(capacity.target)}, ${capacity.connections} connections, ${capacity.durationMs / 1000} s each, taking turns in rounds of 1 s (so that the machine's drift reaches both).`,
      '',
      table(
        [
          'generator',
          'requests/s',
          'p50 (ms)',
          'p99 (ms)',
          'generator CPU (millicores)',
          'target CPU (millicores)',
        ],
        rows,
      ),
      '',
      'unavailable' in capacity.wrk
        ? `wrk: ${text(capacity.wrk.unavailable)}.`
        : `Ratio driver / wrk: **${orDash(capacity.ratio, (r) => r.toFixed(2))}**.`,
      `The sweep's highest rate (${top} rps) is ${pct(top / capacity.driver.requestsPerSecond)} of the driver's maximum throughput.`,
      '',
    );
  } else {
    lines.push('Not run (add `--driver-capacity`).', '');
  }

  lines.push(
    '## Method',
    '',
    `- baseline: ${text(report.paths.baseline)}`,
    `- meshed${ambient ? ' (ztunnel + waypoint, L7)' : ''}: ${text(report.paths.meshed)}`,
    ...(report.paths['meshed-l4'] !== undefined
      ? [`- meshed-l4 (ztunnel only, L4): ${text(report.paths['meshed-l4'])}`]
      : []),
    `- load: ${text(config.loadGenerator)}; ${config.connections} keep-alive connections; ${config.payloadBytes} B response payload; warm-up ${config.warmupSeconds} s per window; ${text(config.order)}.`,
    `- a window is invalid (its latency not reported) unless: ${text(report.selfChecks.find((c) => c.name === 'headroom')?.want ?? '')}.`,
    ...report.notes.map((n) => `- ${text(n)}`),
    '',
    'Published figures to compare with:',
    '',
    ...report.referenceNumbers.map((r) => `- ${text(r)}`),
    '',
  );
  return lines.join('\n');
}

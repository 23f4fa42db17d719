import { createHash } from 'node:crypto';
import type { BenchReport } from '../bench/bench-report.ts';
import type { CheckResult, CheckStatus } from '../model/verdict.ts';
import { benchStyles, renderBenchSection } from './bench-html.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { renderEvidence } from './evidence-html.ts';
import { likelyCauses } from './failure-hints.ts';
import { pageHead, reportStyles } from './html-styles.ts';
import { escapeHtml, formatDuration, formatNumber, formatProbability, formatTimestamp } from './html-text.ts';

/**
 * report.html: the compliance report people read, rendered from the same report object as
 * report.json (pure). One self-contained file: inline CSS, inline SVG charts, a few lines of
 * inline script for the status filter, and a Content-Security-Policy that forbids any request,
 * so it works opened from disk or attached to a CI run.
 */

/** The order checks are shown in: what needs attention first. */
const statusOrder: Readonly<Record<CheckStatus, number>> = {
  FAILED: 0,
  ERROR: 1,
  PASSED: 2,
  NOT_SUPPORTED: 3,
  SKIPPED: 4,
};

const statusLabels: Readonly<Record<CheckStatus, string>> = {
  FAILED: 'Failed',
  ERROR: 'Error',
  PASSED: 'Passed',
  NOT_SUPPORTED: 'Not supported',
  SKIPPED: 'Skipped',
};

const statusMarks: Readonly<Record<CheckStatus, string>> = {
  PASSED: '✓',
  FAILED: '✗',
  ERROR: '!',
  NOT_SUPPORTED: '–',
  SKIPPED: '–',
};

/** Checks in reading order: failed, errored, passed, not supported, skipped; stable within. */
export function checksInReadingOrder(checks: readonly CheckResult[]): CheckResult[] {
  return checks
    .map((check, index) => ({ check, index }))
    .sort((a, b) => statusOrder[a.check.status] - statusOrder[b.check.status] || a.index - b.index)
    .map(({ check }) => check);
}

function countOf(report: ConformanceReport, status: CheckStatus): number {
  const s = report.summary;
  const counts: Record<CheckStatus, number> = {
    PASSED: s.passed,
    FAILED: s.failed,
    ERROR: s.errored,
    NOT_SUPPORTED: s.notSupported,
    SKIPPED: s.skipped,
  };
  return counts[status];
}

const badge = (status: CheckStatus) =>
  `<span class="badge badge-${status}">${statusMarks[status]} ${escapeHtml(status)}</span>`;

const anchor = (check: CheckResult) => `check-${check.id}`;

/** Optional environment facts a platform may record (not every report has them). */
function optionalFact(environment: object, key: 'kubernetes' | 'proxy'): string | undefined {
  const value = (environment as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function renderFacts(report: ConformanceReport): string {
  const kubernetes =
    optionalFact(report.environment, 'kubernetes') ??
    (report.platform === 'local' ? 'none (local platform: processes on this machine)' : 'not recorded');
  const proxy = optionalFact(report.environment, 'proxy');
  const selection =
    report.config.only.length > 0 ? `--only ${report.config.only.join(',')}` : 'every check in the suite';
  const facts: [string, string][] = [
    ['Mesh', `<strong>${escapeHtml(report.mesh.name)}</strong> ${escapeHtml(report.mesh.version)}`],
    ['Platform', escapeHtml(report.platform)],
    ['Kubernetes', escapeHtml(kubernetes)],
    ...(proxy ? ([['Proxy', escapeHtml(proxy)]] as [string, string][]) : []),
    ['Harness', `meshproof ${escapeHtml(report.harness.version)}`],
    ['Run', `<code>${escapeHtml(report.runId)}</code>`],
    [
      'Date',
      `${escapeHtml(formatTimestamp(report.startedAt))} · took ${escapeHtml(formatDuration(report.durationMs))}`,
    ],
    [
      'False-failure bound',
      `${escapeHtml(formatProbability(report.falseFailureBound))} <span class="muted">(the chance that a conformant mesh fails some statistical check of this run)</span>`,
    ],
    ['Checks run', escapeHtml(selection)],
    [
      'Runner',
      `Node ${escapeHtml(report.environment.node)} · ${escapeHtml(report.environment.os)}/${escapeHtml(report.environment.arch)} · ${report.environment.cpus} CPUs · config ${escapeHtml(report.config.hash)}`,
    ],
  ];
  return `<dl class="facts">${facts.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

function renderCounts(report: ConformanceReport): string {
  const tiles = (['FAILED', 'ERROR', 'PASSED', 'NOT_SUPPORTED', 'SKIPPED'] as const).map(
    (status) =>
      `<li class="count count-${status}${countOf(report, status) === 0 ? ' count-zero' : ''}"><span class="count-number">${countOf(report, status)}</span> ${statusLabels[status].toLowerCase()}</li>`,
  );
  return `<ul class="counts" aria-label="Checks by status">${tiles.join('')}<li class="count count-total"><span class="count-number">${report.summary.total}</span> checks</li></ul>`;
}

function renderAttention(report: ConformanceReport): string {
  const failing = checksInReadingOrder(report.checks).filter(
    (c) => c.status === 'FAILED' || c.status === 'ERROR',
  );
  if (failing.length === 0) return '';
  const items = failing.map(
    (c) =>
      `<li>${badge(c.status)} <a href="#${escapeHtml(anchor(c))}"><code>${escapeHtml(c.id)}</code></a><br><span class="muted">got:</span> ${escapeHtml(c.got)}</li>`,
  );
  return `<section class="attention" aria-labelledby="attention-title"><h2 id="attention-title">Needs attention</h2><ul>${items.join('')}</ul></section>`;
}

function renderCapabilities(report: ConformanceReport): string {
  const cards = report.capabilities.map((capability) => {
    const checks = checksInReadingOrder(report.checks).filter((c) => c.features.includes(capability.feature));
    const ran = checks.filter((c) => c.status !== 'NOT_SUPPORTED' && c.status !== 'SKIPPED').length;
    const support = capability.supported
      ? '<span class="ok" title="supported">✓</span>'
      : '<span class="bad" title="not supported">✗</span>';
    const reason =
      !capability.supported && capability.reason
        ? `<p class="capability-reason">not supported: ${escapeHtml(capability.reason)}</p>`
        : '';
    const list =
      checks.length === 0
        ? '<p class="muted">no check in this suite</p>'
        : `<ul class="capability-checks">${checks
            .map(
              (c) =>
                `<li><span class="dot dot-${c.status}" title="${c.status}">${statusMarks[c.status]}</span> <a href="#${escapeHtml(anchor(c))}">${escapeHtml(c.id)}</a></li>`,
            )
            .join('')}</ul>`;
    const state = capability.supported ? 'supported' : 'unsupported';
    return `<li class="capability capability-${state}" data-feature="${escapeHtml(capability.feature)}"><div class="capability-head">${support} <strong>${escapeHtml(capability.feature)}</strong> <span class="muted">${checks.length === 0 ? '' : `${ran} of ${checks.length} ran`}</span></div>${reason}${list}</li>`;
  });
  const supported = report.capabilities.filter((c) => c.supported).length;
  return `<section id="capabilities" aria-labelledby="capabilities-title"><h2 id="capabilities-title">Capability matrix</h2>
<p class="muted">${escapeHtml(report.mesh.name)} supports ${supported} of ${report.capabilities.length} features; under each, the checks that exercise it and how they ended.</p>
<ul class="capabilities">
${cards.join('\n')}
</ul>${renderMeshMatrix(report)}</section>`;
}

/** Every mesh side by side (from `meshproof features`), collapsed: which checks run where. */
function renderMeshMatrix(report: ConformanceReport): string {
  const matrix = report.capabilityMatrix;
  if (!matrix) return '';
  const mark = (ok: boolean, reason?: string) =>
    ok
      ? '<td class="ok" title="runs">✓</td>'
      : `<td class="bad" title="${escapeHtml(reason ?? 'not supported')}">✗</td>`;
  const head = `<tr><th scope="col">check</th>${matrix.meshes.map((m) => `<th scope="col">${escapeHtml(m)}</th>`).join('')}</tr>`;
  const rows = matrix.checks.map(
    (c) =>
      `<tr><th scope="row"><code>${escapeHtml(c.id)}</code></th>${matrix.meshes.map((m) => mark(c.runs[m]?.runs ?? false, c.runs[m]?.reason)).join('')}</tr>`,
  );
  return `<details class="mesh-matrix"><summary>Across meshes: which checks run on ${matrix.meshes.map(escapeHtml).join(', ')}</summary><div class="table-scroll"><table>${head}${rows.join('')}</table></div></details>`;
}

function renderFilter(report: ConformanceReport): string {
  const statuses = (['FAILED', 'ERROR', 'PASSED', 'NOT_SUPPORTED', 'SKIPPED'] as const).filter(
    (status) => countOf(report, status) > 0,
  );
  const buttons = [
    `<button type="button" data-filter="all" aria-pressed="true">All ${report.summary.total}</button>`,
    ...statuses.map(
      (status) =>
        `<button type="button" data-filter="${status}" aria-pressed="false">${statusLabels[status]} ${countOf(report, status)}</button>`,
    ),
  ];
  return `<nav class="filter" aria-label="Show checks by status">${buttons.join('')}</nav>`;
}

function propagationLine(check: CheckResult): string {
  if (check.propagationMs === undefined)
    return 'No convergence probe: measured right after the configuration was applied.';
  if (check.propagationMs === null)
    return '<span class="warn">The configuration was never confirmed in effect before measuring.</span>';
  return `Configuration in effect after <strong>${escapeHtml(formatDuration(check.propagationMs))}</strong>.`;
}

function renderTextBlocks(
  title: string,
  className: string,
  blocks: readonly { readonly heading: string; readonly content: string }[],
): string {
  if (blocks.length === 0) return '';
  const inner = blocks
    .map(
      (block) =>
        `<details class="block"><summary>${block.heading}</summary><pre><code>${escapeHtml(block.content)}</code></pre></details>`,
    )
    .join('\n');
  return `<details class="${className}"><summary>${title} (${blocks.length})</summary>\n${inner}\n</details>`;
}

function renderEvidenceSafely(check: CheckResult): string {
  try {
    return renderEvidence(check);
  } catch (error) {
    // One odd evidence object must not cost the rest of the report.
    return `<p class="warn">The evidence could not be drawn (${escapeHtml((error as Error).message)}); it is in report.json.</p>`;
  }
}

function renderCheck(check: CheckResult): string {
  const ran = check.status === 'PASSED' || check.status === 'FAILED' || check.status === 'ERROR';
  const meta = [
    check.profile,
    check.features.join(', '),
    ...(ran ? [formatDuration(check.durationMs)] : []),
    ...(check.alpha !== undefined ? [`false-failure rate ≤ ${formatProbability(check.alpha)}`] : []),
  ];
  const parts = [
    `<article class="check check-${check.status}" id="${escapeHtml(anchor(check))}" data-status="${check.status}">`,
    `<header><h3>${badge(check.status)} <code>${escapeHtml(check.id)}</code></h3><p class="meta">${escapeHtml(meta.join(' · '))}</p></header>`,
    `<p class="description">${escapeHtml(check.description)}</p>`,
  ];
  if (check.status === 'NOT_SUPPORTED' || check.status === 'SKIPPED') {
    const label = check.status === 'NOT_SUPPORTED' ? 'Not supported' : 'Skipped';
    parts.push(
      `<p class="reason"><strong>${label}:</strong> ${escapeHtml(check.reason ?? check.got)}</p>`,
      '</article>',
    );
    return parts.join('\n');
  }
  const failed = check.status !== 'PASSED';
  parts.push(
    `<dl class="want-got"><dt>Wanted</dt><dd>${escapeHtml(check.want)}</dd><dt>Got</dt><dd class="${failed ? 'got-bad' : 'got-ok'}">${escapeHtml(check.got)}</dd></dl>`,
  );
  if (check.status === 'ERROR' && check.reason && !check.got.includes(check.reason))
    parts.push(`<p class="reason"><strong>Reason:</strong> ${escapeHtml(check.reason)}</p>`);
  parts.push(`<p class="propagation">${propagationLine(check)}</p>`);
  const evidence = renderEvidenceSafely(check);
  if (evidence)
    parts.push(`<section class="evidence"><h4 class="evidence-title">Evidence</h4>\n${evidence}\n</section>`);
  const causes = likelyCauses(check);
  if (causes.length > 0) {
    parts.push(
      `<section class="hints"><h4>Likely causes</h4><ul>${causes.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul></section>`,
    );
  }
  parts.push(
    renderTextBlocks(
      'Configuration applied',
      'resources',
      (check.resources ?? []).map((r) => ({
        heading: `${escapeHtml(r.kind)} <code>${escapeHtml(r.name)}</code>`,
        content: r.content,
      })),
    ),
    renderTextBlocks(
      'Diagnostics captured before cleanup',
      'diagnostics',
      (check.diagnostics ?? []).map((d) => ({ heading: escapeHtml(d.title), content: d.content })),
    ),
    '</article>',
  );
  return parts.filter((part) => part !== '').join('\n');
}

/** Shows only the checks of the chosen status; without script every check stays visible. */
const filterScript = `document.documentElement.classList.add('js');
for (const button of document.querySelectorAll('[data-filter]')) {
  button.addEventListener('click', () => {
    const wanted = button.dataset.filter;
    for (const other of document.querySelectorAll('[data-filter]')) other.setAttribute('aria-pressed', String(other === button));
    for (const check of document.querySelectorAll('article[data-status]')) check.hidden = wanted !== 'all' && check.dataset.status !== wanted;
  });
}`;

/** What else {@link renderHtmlReport} can put on the page. */
export interface HtmlReportOptions {
  /**
   * A sidecar-overhead benchmark to show after the checks (the section bench.html shows), e.g.
   * from a nightly that runs both; its own run, not this one's.
   */
  readonly bench?: BenchReport;
}

/** Renders the report as one self-contained HTML page (pure). */
export function renderHtmlReport(report: ConformanceReport, options: HtmlReportOptions = {}): string {
  const scriptHash = createHash('sha256').update(filterScript).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = `meshproof ${report.verdict}: ${report.mesh.name} ${report.mesh.version} on ${report.platform}`;
  const defects =
    report.config.defects.length > 0
      ? `<p class="defects"><strong>Deliberate defects injected:</strong> ${escapeHtml(report.config.defects.join(', '))}. This run proves the checks catch them; it says nothing about a real mesh.</p>`
      : '';
  const checks = checksInReadingOrder(report.checks);
  return `${pageHead({ csp, harnessVersion: report.harness.version, title, styles: `${reportStyles}${options.bench ? benchStyles : ''}` })}
<body>
<main>
<header class="report-header">
<div class="title"><h1>meshproof conformance report</h1><span class="verdict verdict-${report.verdict}" data-verdict="${report.verdict}">${report.verdict}</span></div>
${renderFacts(report)}
${defects}
${renderCounts(report)}
</header>
${renderAttention(report)}
${renderCapabilities(report)}
<section id="checks" aria-labelledby="checks-title">
<h2 id="checks-title">Checks</h2>
<p class="muted">Failed and errored checks first. Each shows what was wanted and what was observed, the evidence, the configuration applied and, on failure, the diagnostics captured before cleanup.</p>
${renderFilter(report)}
${checks.map(renderCheck).join('\n')}
</section>
${options.bench ? `${renderBenchSection(options.bench)}\n` : ''}<footer>Written by meshproof ${escapeHtml(report.harness.version)} from the same data as report.json (${escapeHtml(report.apiVersion)}, ${report.summary.total} checks, ${formatNumber(report.durationMs / 1000, 1)} s).</footer>
</main>
<script>${filterScript}</script>
</body>
</html>
`;
}

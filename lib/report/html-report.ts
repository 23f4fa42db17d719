import type { BenchReport } from '../bench/bench-report.ts';
import type { CheckResult, CheckStatus } from '../model/verdict.ts';
import { benchStyles, renderBenchSection } from './bench-html.ts';
import type { ConformanceReport } from './conformance-report.ts';
import { renderEvidence } from './evidence-html.ts';
import { likelyCauses } from './failure-hints.ts';
import { htmlPage, reportStyles } from './html-styles.ts';
import { type Html, type HtmlValue, html, joinHtml, trustedHtml } from './html-template.ts';
import { formatDuration, formatNumber, formatProbability, formatTimestamp } from './html-text.ts';

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
  html`<span class="badge badge-${status}">${statusMarks[status]} ${status}</span>`;

const anchor = (check: CheckResult) => `check-${check.id}`;

/** Optional environment facts a platform may record (not every report has them). */
function optionalFact(environment: object, key: 'kubernetes' | 'proxy'): string | undefined {
  const value = (environment as Record<string, unknown>)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function renderFacts(report: ConformanceReport): Html {
  const kubernetes =
    optionalFact(report.environment, 'kubernetes') ??
    (report.platform === 'local' ? 'none (local platform: processes on this machine)' : 'not recorded');
  const proxy = optionalFact(report.environment, 'proxy');
  const selection =
    report.config.only.length > 0 ? `--only ${report.config.only.join(',')}` : 'every check in the suite';
  const facts: (readonly [string, HtmlValue])[] = [
    ['Mesh', html`<strong>${report.mesh.name}</strong> ${report.mesh.version}`],
    ['Platform', report.platform],
    ['Kubernetes', kubernetes],
    ...(proxy ? ([['Proxy', proxy]] as const) : []),
    ['Harness', `meshproof ${report.harness.version}`],
    ['Run', html`<code>${report.runId}</code>`],
    ['Date', `${formatTimestamp(report.startedAt)} · took ${formatDuration(report.durationMs)}`],
    [
      'False-failure bound',
      html`${formatProbability(report.falseFailureBound)} <span class="muted">(the chance that a conformant mesh fails some statistical check of this run)</span>`,
    ],
    ['Checks run', selection],
    [
      'Runner',
      `Node ${report.environment.node} · ${report.environment.os}/${report.environment.arch} · ${report.environment.cpus} CPUs · config ${report.config.hash}`,
    ],
  ];
  return html`<dl class="facts">${facts.map(([term, value]) => html`<dt>${term}</dt><dd>${value}</dd>`)}</dl>`;
}

function renderCounts(report: ConformanceReport): Html {
  const tiles = (['FAILED', 'ERROR', 'PASSED', 'NOT_SUPPORTED', 'SKIPPED'] as const).map(
    (status) =>
      html`<li class="count count-${status}${countOf(report, status) === 0 ? ' count-zero' : ''}"><span class="count-number">${countOf(report, status)}</span> ${statusLabels[status].toLowerCase()}</li>`,
  );
  return html`<ul class="counts" aria-label="Checks by status">${tiles}<li class="count count-total"><span class="count-number">${report.summary.total}</span> checks</li></ul>`;
}

function renderAttention(report: ConformanceReport): Html {
  const failing = checksInReadingOrder(report.checks).filter(
    (c) => c.status === 'FAILED' || c.status === 'ERROR',
  );
  if (failing.length === 0) return html``;
  const items = failing.map(
    (c) =>
      html`<li>${badge(c.status)} <a href="#${anchor(c)}"><code>${c.id}</code></a><br><span class="muted">got:</span> ${c.got}</li>`,
  );
  return html`<section class="attention" aria-labelledby="attention-title"><h2 id="attention-title">Needs attention</h2><ul>${items}</ul></section>`;
}

function renderCapabilities(report: ConformanceReport): Html {
  const cards = report.capabilities.map((capability) => {
    const checks = checksInReadingOrder(report.checks).filter((c) => c.features.includes(capability.feature));
    const ran = checks.filter((c) => c.status !== 'NOT_SUPPORTED' && c.status !== 'SKIPPED').length;
    const support = capability.supported
      ? html`<span class="ok" title="supported">✓</span>`
      : html`<span class="bad" title="not supported">✗</span>`;
    const reason =
      !capability.supported && capability.reason
        ? html`<p class="capability-reason">not supported: ${capability.reason}</p>`
        : '';
    const list =
      checks.length === 0
        ? html`<p class="muted">no check in this suite</p>`
        : html`<ul class="capability-checks">${checks.map(
            (c) =>
              html`<li><span class="dot dot-${c.status}" title="${c.status}">${statusMarks[c.status]}</span> <a href="#${anchor(c)}">${c.id}</a></li>`,
          )}</ul>`;
    const state = capability.supported ? 'supported' : 'unsupported';
    return html`<li class="capability capability-${state}" data-feature="${capability.feature}"><div class="capability-head">${support} <strong>${capability.feature}</strong> <span class="muted">${checks.length === 0 ? '' : `${ran} of ${checks.length} ran`}</span></div>${reason}${list}</li>`;
  });
  const supported = report.capabilities.filter((c) => c.supported).length;
  return html`<section id="capabilities" aria-labelledby="capabilities-title"><h2 id="capabilities-title">Capability matrix</h2>
<p class="muted">${report.mesh.name} supports ${supported} of ${report.capabilities.length} features; under each, the checks that exercise it and how they ended.</p>
<ul class="capabilities">
${joinHtml(cards, '\n')}
</ul>${renderMeshMatrix(report)}</section>`;
}

/** Every mesh side by side (from `meshproof features`), collapsed: which checks run where. */
function renderMeshMatrix(report: ConformanceReport): Html {
  const matrix = report.capabilityMatrix;
  if (!matrix) return html``;
  const mark = (ok: boolean, reason?: string) =>
    ok
      ? html`<td class="ok" title="runs">✓</td>`
      : html`<td class="bad" title="${reason ?? 'not supported'}">✗</td>`;
  const head = html`<tr><th scope="col">check</th>${matrix.meshes.map((m) => html`<th scope="col">${m}</th>`)}</tr>`;
  const rows = matrix.checks.map(
    (c) =>
      html`<tr><th scope="row"><code>${c.id}</code></th>${matrix.meshes.map((m) => mark(c.runs[m]?.runs ?? false, c.runs[m]?.reason))}</tr>`,
  );
  return html`<details class="mesh-matrix"><summary>Across meshes: which checks run on ${matrix.meshes.join(', ')}</summary><div class="table-scroll"><table>${head}${rows}</table></div></details>`;
}

function renderFilter(report: ConformanceReport): Html {
  const statuses = (['FAILED', 'ERROR', 'PASSED', 'NOT_SUPPORTED', 'SKIPPED'] as const).filter(
    (status) => countOf(report, status) > 0,
  );
  const buttons = [
    html`<button type="button" data-filter="all" aria-pressed="true">All ${report.summary.total}</button>`,
    ...statuses.map(
      (status) =>
        html`<button type="button" data-filter="${status}" aria-pressed="false">${statusLabels[status]} ${countOf(report, status)}</button>`,
    ),
  ];
  return html`<nav class="filter" aria-label="Show checks by status">${buttons}</nav>`;
}

function propagationLine(check: CheckResult): HtmlValue {
  if (check.propagationMs === undefined)
    return 'No convergence probe: measured right after the configuration was applied.';
  if (check.propagationMs === null)
    return html`<span class="warn">The configuration was never confirmed in effect before measuring.</span>`;
  return html`Configuration in effect after <strong>${formatDuration(check.propagationMs)}</strong>.`;
}

function renderTextBlocks(
  title: string,
  className: string,
  blocks: readonly { readonly heading: HtmlValue; readonly content: string }[],
): Html | undefined {
  if (blocks.length === 0) return undefined;
  const inner = blocks.map(
    (block) =>
      html`<details class="block"><summary>${block.heading}</summary><pre><code>${block.content}</code></pre></details>`,
  );
  return html`<details class="${className}"><summary>${title} (${blocks.length})</summary>\n${joinHtml(inner, '\n')}\n</details>`;
}

function renderEvidenceSafely(check: CheckResult): Html | undefined {
  try {
    return renderEvidence(check);
  } catch (error) {
    // One odd evidence object must not cost the rest of the report.
    return html`<p class="warn">The evidence could not be drawn (${(error as Error).message}); it is in report.json.</p>`;
  }
}

function renderCheck(check: CheckResult): Html {
  const ran = check.status === 'PASSED' || check.status === 'FAILED' || check.status === 'ERROR';
  const meta = [
    check.profile,
    check.features.join(', '),
    ...(ran ? [formatDuration(check.durationMs)] : []),
    ...(check.alpha !== undefined ? [`false-failure rate ≤ ${formatProbability(check.alpha)}`] : []),
  ];
  const parts: (Html | undefined)[] = [
    html`<article class="check check-${check.status}" id="${anchor(check)}" data-status="${check.status}">`,
    html`<header><h3>${badge(check.status)} <code>${check.id}</code></h3><p class="meta">${meta.join(' · ')}</p></header>`,
    html`<p class="description">${check.description}</p>`,
  ];
  if (check.status === 'NOT_SUPPORTED' || check.status === 'SKIPPED') {
    const label = check.status === 'NOT_SUPPORTED' ? 'Not supported' : 'Skipped';
    parts.push(
      html`<p class="reason"><strong>${label}:</strong> ${check.reason ?? check.got}</p>`,
      html`</article>`,
    );
    return joinHtml(
      parts.filter((part) => part !== undefined),
      '\n',
    );
  }
  const failed = check.status !== 'PASSED';
  parts.push(
    html`<dl class="want-got"><dt>Wanted</dt><dd>${check.want}</dd><dt>Got</dt><dd class="${failed ? 'got-bad' : 'got-ok'}">${check.got}</dd></dl>`,
  );
  if (check.status === 'ERROR' && check.reason && !check.got.includes(check.reason))
    parts.push(html`<p class="reason"><strong>Reason:</strong> ${check.reason}</p>`);
  parts.push(html`<p class="propagation">${propagationLine(check)}</p>`);
  const evidence = renderEvidenceSafely(check);
  if (evidence)
    parts.push(
      html`<section class="evidence"><h4 class="evidence-title">Evidence</h4>\n${evidence}\n</section>`,
    );
  const causes = likelyCauses(check);
  if (causes.length > 0) {
    parts.push(
      html`<section class="hints"><h4>Likely causes</h4><ul>${causes.map((c) => html`<li>${c}</li>`)}</ul></section>`,
    );
  }
  parts.push(
    renderTextBlocks(
      'Configuration applied',
      'resources',
      (check.resources ?? []).map((r) => ({
        heading: html`${r.kind} <code>${r.name}</code>`,
        content: r.content,
      })),
    ),
    renderTextBlocks(
      'Diagnostics captured before cleanup',
      'diagnostics',
      (check.diagnostics ?? []).map((d) => ({ heading: d.title, content: d.content })),
    ),
    html`</article>`,
  );
  return joinHtml(
    parts.filter((part) => part !== undefined),
    '\n',
  );
}

/** Shows only the checks of the chosen status; without script every check stays visible. */
const filterScript = trustedHtml(`document.documentElement.classList.add('js');
for (const button of document.querySelectorAll('[data-filter]')) {
  button.addEventListener('click', () => {
    const wanted = button.dataset.filter;
    for (const other of document.querySelectorAll('[data-filter]')) other.setAttribute('aria-pressed', String(other === button));
    for (const check of document.querySelectorAll('article[data-status]')) check.hidden = wanted !== 'all' && check.dataset.status !== wanted;
  });
}`);

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
  const title = `meshproof ${report.verdict}: ${report.mesh.name} ${report.mesh.version} on ${report.platform}`;
  const defects =
    report.config.defects.length > 0
      ? html`<p class="defects"><strong>Deliberate defects injected:</strong> ${report.config.defects.join(', ')}. This run proves the checks catch them; it says nothing about a real mesh.</p>`
      : '';
  const checks = checksInReadingOrder(report.checks);
  const styles = options.bench ? html`${reportStyles}${benchStyles}` : reportStyles;
  return htmlPage({
    harnessVersion: report.harness.version,
    title,
    styles,
    script: filterScript,
    main: html`<header class="report-header">
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
${joinHtml(checks.map(renderCheck), '\n')}
</section>
${options.bench ? html`${renderBenchSection(options.bench)}\n` : ''}<footer>Written by meshproof ${report.harness.version} from the same data as report.json (${report.apiVersion}, ${report.summary.total} checks, ${formatNumber(report.durationMs / 1000, 1)} s).</footer>`,
  });
}

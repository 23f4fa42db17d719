import { unreachable } from '../model/check.ts';
import type { Evidence, EvidenceItem } from '../model/evidence.ts';
import { describeAttemptCounts, formatEvidenceValue } from './evidence-html.ts';
import { formatPercent } from './html-text.ts';

/**
 * One piece of evidence as one line of plain text (pure), by its kind: what summary.md and the CI
 * annotations show of a failed check's evidence. Escaping is the caller's (Markdown, workflow commands).
 */
export function describeEvidence(item: EvidenceItem): string {
  switch (item.kind) {
    case 'ratio':
      return item.verdict.categories
        .map(
          (c) =>
            `${c.name} ${c.observed === null ? '—' : formatPercent(c.observed)} (target ${formatPercent(c.target)}, interval ${formatPercent(c.lower)}–${formatPercent(c.upper)})`,
        )
        .concat(`${item.verdict.requests} requests`)
        .join(', ');
    case 'control-arm': {
      const { verdict: v, arms } = item;
      return `${arms.scoped} ${v.scoped.affected}/${v.scoped.requests} affected, ${arms.control} ${v.control.affected}/${v.control.requests}; effect share ${v.estimate === null ? '—' : formatPercent(v.estimate)} (interval ${formatPercent(v.lower)}–${formatPercent(v.upper)}, target ${formatPercent(v.target)})`;
    }
    case 'latency':
      return `${item.percentiles.count} requests, ${item.summary}, expected ${item.band.fromMs}–${item.band.toMs} ms`;
    case 'latencies':
      return item.valuesMs.length === 0
        ? 'no requests'
        : `${item.valuesMs.length} requests, ${Math.min(...item.valuesMs)}–${Math.max(...item.valuesMs)} ms`;
    case 'attempts':
      return Object.entries(item.byTraffic)
        .map(([plan, values]) => `${plan}: ${describeAttemptCounts(values)}`)
        .join('; ');
    case 'cases':
      return (
        item.cases
          .filter((c) => !c.ok)
          .map((c) => `✗ ${c.label}: got ${c.got}`)
          .join('; ') || `${item.cases.length} case(s), all as wanted`
      );
    case 'timeline': {
      const events =
        item.events.map((e) => `${(e.atMs / 1000).toFixed(2)} s ${e.label}`).join('; ') || 'no events';
      const refuted = (item.windows ?? []).filter((w) => !w.held);
      const windows =
        item.windows === undefined
          ? ''
          : refuted.length === 0
            ? `; every steady-state window held (${item.windows.length})`
            : `; refuted: ${refuted.map((w) => `${w.stream} ${w.window} ${w.ok}/${w.requests}`).join(', ')}`;
      const lag = Object.entries(item.schedule ?? {})
        .map(
          ([s, k]) =>
            `${s} ${k.sent}/${k.scheduled} at ${k.achievedRatePerS.toFixed(1)}/s, p99 lag ${k.p99LagMs.toFixed(0)} ms`,
        )
        .join(', ');
      return `${events}${windows}${lag ? `; schedule: ${lag}` : ''}`;
    }
    case 'requests':
      return Object.entries(item.byTraffic)
        .map(([plan, count]) => `${plan} ×${count}`)
        .join(', ');
    case 'value':
      return formatEvidenceValue(item.value, 160);
    default:
      return unreachable(item);
  }
}

/** A check's evidence as `name: text` lines, one per piece. */
export function evidenceLines(evidence: Evidence): string[] {
  return Object.entries(evidence).map(([name, item]) => `${name}: ${describeEvidence(item)}`);
}

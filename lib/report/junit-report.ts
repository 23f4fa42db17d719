import type { ConformanceReport } from './conformance-report.ts';

function escapeXml(text: string): string {
  const escaped = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
  return [...escaped].filter(isXmlChar).join('');
}

/** XML 1.0 forbids most control characters even when escaped; proxy logs can contain them. */
function isXmlChar(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return (
    code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code !== 0xfffe && code !== 0xffff)
  );
}

/** What CI tools show next to a suite: which mesh, at which version, on which platform, by which run. */
function junitProperties(report: ConformanceReport): string {
  const properties: Record<string, string> = {
    mesh: report.mesh.name,
    'mesh.version': report.mesh.version,
    platform: report.platform,
    runId: report.runId,
    'harness.version': report.harness.version,
    falseFailureBound: String(report.falseFailureBound),
  };
  return Object.entries(properties)
    .map(([name, value]) => `<property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
}

/** Renders the report as JUnit XML for CI systems (pure). */
export function renderJunit(report: ConformanceReport): string {
  const suiteName = `meshproof.${report.mesh.name}.${report.platform}`;
  const cases = report.checks.map((check) => {
    const area = check.id.split('.').slice(0, 2).join('.');
    const open = `    <testcase classname="${escapeXml(`${suiteName}.${area}`)}" name="${escapeXml(check.id)}" time="${(check.durationMs / 1000).toFixed(3)}"`;
    const detail = escapeXml(`want: ${check.want}\ngot: ${check.got}`);
    switch (check.status) {
      case 'PASSED':
        return `${open}/>`;
      case 'FAILED':
        return `${open}>\n      <failure message="${escapeXml(check.got)}" type="FAILED">${detail}</failure>\n    </testcase>`;
      case 'ERROR':
        return `${open}>\n      <error message="${escapeXml(check.reason ?? check.got)}" type="ERROR">${detail}</error>\n    </testcase>`;
      default:
        return `${open}>\n      <skipped message="${escapeXml(`${check.status}: ${check.reason ?? ''}`)}"/>\n    </testcase>`;
    }
  });
  if (report.interruption) {
    // Checks not reached are skipped, which a CI system reads as fine: one error says the run is partial.
    const { signal, completed, selected } = report.interruption;
    cases.push(
      `    <testcase classname="${escapeXml(`${suiteName}.run`)}" name="meshproof.run.interrupted" time="0.000">\n      <error message="${escapeXml(`INTERRUPTED by ${signal} after ${completed} of ${selected} checks: not a verdict on the mesh`)}" type="INTERRUPTED"/>\n    </testcase>`,
    );
  }
  const s = report.summary;
  const errors = s.errored + (report.interruption ? 1 : 0);
  const tests = s.total + (report.interruption ? 1 : 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="meshproof" tests="${tests}" failures="${s.failed}" errors="${errors}" skipped="${s.skipped + s.notSupported}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${tests}" failures="${s.failed}" errors="${errors}" skipped="${s.skipped + s.notSupported}" timestamp="${escapeXml(report.startedAt)}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `    <properties>${junitProperties(report)}</properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

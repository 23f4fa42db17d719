import { describe, expect, it } from 'vitest';
import { parseWorkflowCommand } from '../../test/ci/composite-action-runner.ts';
import {
  failingFixtureReport,
  passingFixtureReport,
  withStatuses,
} from '../../test/report/report-fixtures.ts';
import { diffReports } from './diff-reports.ts';
import {
  escapeCommandData,
  escapeCommandProperty,
  formatWorkflowCommand,
  renderGithubAnnotations,
} from './github-annotations.ts';

const parseAsRunner = parseWorkflowCommand;

const nasty = 'got: 50% of 3 = 1,5\r\nthen ::error::injected, and %0A literally: a:b';

describe('workflow-command escaping', () => {
  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    expect(escapeCommandData('50%\r\n: a,b')).toBe('50%25%0D%0A: a,b');
    expect(escapeCommandProperty('50%\r\n: a,b')).toBe('50%25%0D%0A%3A a%2Cb');
  });

  it('the runner reads back exactly the title and message written, on one line', () => {
    const line = formatWorkflowCommand({ level: 'error', title: nasty, message: nasty });
    expect(line).not.toMatch(/[\r\n]/);
    expect(parseAsRunner(line)).toEqual({ command: 'error', properties: { title: nasty }, data: nasty });
  });
});

describe('annotations of a run', () => {
  it('one error per failed or errored check with want and got, then the verdict as a notice', () => {
    const report = failingFixtureReport();
    const lines = renderGithubAnnotations(report).trimEnd().split('\n');
    const parsed = lines.map(parseAsRunner);
    const failed = report.checks.filter((c) => c.status === 'FAILED' || c.status === 'ERROR');
    expect(failed.length).toBeGreaterThan(0);
    expect(parsed.map((p) => p?.command)).toEqual([...failed.map(() => 'error'), 'notice']);
    for (const [i, check] of failed.entries()) {
      expect(parsed[i]?.properties.title).toBe(
        `${check.id} ${check.status} · reference ${report.mesh.version} on local`,
      );
      expect(parsed[i]?.data).toContain(`want: ${check.want}\ngot: ${check.got}`);
    }
    expect(parsed.at(-1)?.properties.title).toBe(
      `meshproof FAILED · reference ${report.mesh.version} on local`,
    );
    expect(parsed.at(-1)?.data).toContain(`run ${report.runId}`);
  });

  it('a passing run gets only the closing notice', () => {
    const parsed = renderGithubAnnotations(passingFixtureReport()).trimEnd().split('\n').map(parseAsRunner);
    expect(parsed.map((p) => p?.command)).toEqual(['notice']);
    expect(parsed[0]?.properties.title).toMatch(/^meshproof PASSED · /);
  });

  it('against a baseline, regressions come first and say where the check passed', () => {
    const base = withStatuses(passingFixtureReport(), {}, { runId: '20261120-030000-reference-base' });
    const candidate = failingFixtureReport();
    const diff = diffReports(base, candidate);
    const regressed = diff.checks.filter((c) => c.kind === 'regression').map((c) => c.id);
    expect(regressed.length).toBeGreaterThan(0);
    const parsed = renderGithubAnnotations(candidate, diff).trimEnd().split('\n').map(parseAsRunner);
    const firsts = parsed.slice(0, regressed.length);
    expect(firsts.map((p) => p?.properties.title?.split(' ')[0]).sort()).toEqual([...regressed].sort());
    for (const annotation of firsts) {
      expect(annotation?.properties.title).toContain('(regression)');
      expect(annotation?.data).toMatch(
        new RegExp(`^regression: PASSED in ${base.runId}, (FAILED|ERROR) now\n`),
      );
    }
    expect(parsed.at(-1)?.data).toContain(`${regressed.length} regression(s) against ${base.runId}`);
  });

  it('a check the mesh no longer supports is a warning, not an error', () => {
    const base = withStatuses(passingFixtureReport(), {}, { runId: '20261120-030000-reference-base' });
    const id = base.checks.find((c) => c.status === 'PASSED')?.id ?? '';
    const candidate = withStatuses(base, { [id]: 'NOT_SUPPORTED' });
    const parsed = renderGithubAnnotations(candidate, diffReports(base, candidate))
      .trimEnd()
      .split('\n')
      .map(parseAsRunner);
    expect(parsed.map((p) => p?.command)).toEqual(['warning', 'notice']);
    expect(parsed[0]?.properties.title).toMatch(
      new RegExp(`^${id.replaceAll('.', '\\.')} no longer supported`),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { failingFixtureReport, passingFixtureReport } from '../../test/report/report-fixtures.ts';
import { renderSummaryMarkdown } from './summary-markdown.ts';

describe('renderSummaryMarkdown', () => {
  it('matches the golden summary of a failing run', async () => {
    await expect(renderSummaryMarkdown(failingFixtureReport())).toMatchFileSnapshot(
      './golden/summary-failing.golden.md',
    );
  });

  it('starts with the verdict line and the counts', () => {
    const [verdict, , counts] = renderSummaryMarkdown(failingFixtureReport()).split('\n');
    expect(verdict).toBe('## ❌ meshproof FAILED: reference haproxy 2.6.12 on local');
    expect(counts).toMatch(/^\*\*3 passed, 3 failed, 1 errored, 1 not supported, 1 skipped\*\* of 9 checks/);
  });

  it('tables failed and errored checks with want and got, and nothing else', () => {
    const summary = renderSummaryMarkdown(failingFixtureReport());
    const rows = summary.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows.map((row) => row.split(' | ')[0])).toEqual([
      '| `security.authz.deny-unlisted-identity`',
      '| `traffic.weights.90-10`',
      '| `resilience.timeout.route-timeout`',
      '| `security.mtls.identity-presented`',
    ]);
    expect(summary).toContain('| 504 ×10, each arriving within 285–550 ms | 200 ×10; latency min 2017');
  });

  it('is link-free', () => {
    const summary = renderSummaryMarkdown(failingFixtureReport());
    expect(summary).not.toMatch(/\]\(|https?:\/\/|<a /);
  });

  it('has no failed table for a passing run', () => {
    const summary = renderSummaryMarkdown(passingFixtureReport());
    expect(summary.split('\n')[0]).toBe('## ✅ meshproof PASSED: reference haproxy 2.6.12 on local');
    expect(summary).not.toContain('### Failed');
    expect(summary).toContain('### Not supported (1)');
  });
});

import { describe, expect, it } from 'vitest';
import { failingFixtureReport } from '../../test/report/report-fixtures.ts';
import { renderJunit } from './junit-report.ts';

describe('junit.xml', () => {
  it('carries mesh, mesh version, platform and run as properties of the suite', () => {
    const report = { ...failingFixtureReport(), mesh: { name: 'istio', version: '1.30.3 "<minimal>"' } };
    const xml = renderJunit({ ...report, platform: 'k3s' });
    const properties = Object.fromEntries(
      [...xml.matchAll(/<property name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]),
    );
    expect(properties).toMatchObject({
      mesh: 'istio',
      'mesh.version': '1.30.3 &quot;&lt;minimal&gt;&quot;',
      platform: 'k3s',
      runId: report.runId,
      'harness.version': report.harness.version,
    });
    expect(xml).toMatch(/<testsuite [^>]*>\n {4}<properties>.*<\/properties>\n/);
  });
});

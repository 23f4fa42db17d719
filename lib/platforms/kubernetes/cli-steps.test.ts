import { describe, expect, it } from 'vitest';
import { compareVersions, kubectlRequirement, shellLine } from './cli-steps.ts';
import { shellScript } from './live-steps.ts';

describe('shell rendering of CLI steps', () => {
  it('quotes arguments and renders pipes', () => {
    expect(
      shellLine({
        title: 't',
        argv: ['linkerd', 'install', '--crds'],
        pipeInto: ['kubectl', 'apply', '-f', '-'],
      }),
    ).toBe('linkerd install --crds | kubectl apply -f -');
    expect(shellLine({ title: 't', argv: ['k6', 'run', '-e', 'MESHPROOF_PLAN={"a":"b c"}'] })).toBe(
      `k6 run -e $'MESHPROOF_PLAN={"a":"b c"}'`,
    );
  });
  it('writes a script with headings and titles as comments', () => {
    const script = shellScript([
      {
        heading: 'install',
        steps: [{ kind: 'cli', title: 'precheck', argv: ['istioctl', 'x', 'precheck'] }],
      },
    ]);
    expect(script).toContain('set -euo pipefail');
    expect(script).toContain('# ---- install\n# precheck\nistioctl x precheck');
  });
});

describe('versions', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('1.30.3', '1.24.0')).toBeGreaterThan(0);
    expect(compareVersions('1.9.0', '1.10.0')).toBeLessThan(0);
    expect(compareVersions('v1.28.0', '1.28')).toBe(0);
  });
  it('reads kubectl client versions and refuses old ones', () => {
    expect(kubectlRequirement.parse('{"clientVersion":{"gitVersion":"v1.33.1"}}')).toBe('1.33.1');
    expect(kubectlRequirement.unsuitable('1.27.9')).toMatch(/1\.28/);
    expect(kubectlRequirement.unsuitable('1.33.1')).toBeUndefined();
  });
});

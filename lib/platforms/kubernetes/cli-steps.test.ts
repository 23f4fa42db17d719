import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliStep, compareVersions, kubectlRequirement, runStep, shellLine } from './cli-steps.ts';
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

describe('a step on a file a previous step wrote', () => {
  it('runs only when that file has content (what `linkerd prune` found), in plan mode and live', async () => {
    const prune: CliStep = { title: 'list', argv: ['linkerd', 'prune'], stdoutFile: 'linkerd-prune.yaml' };
    const remove: CliStep = {
      title: 'delete it, when there is anything',
      argv: ['kubectl', 'delete', '--ignore-not-found', '-f', 'linkerd-prune.yaml'],
      onlyIfNonEmpty: 'linkerd-prune.yaml',
    };
    expect(shellLine(prune)).toBe('linkerd prune > linkerd-prune.yaml');
    expect(shellLine(remove)).toBe(
      'if [ -s linkerd-prune.yaml ]; then kubectl delete --ignore-not-found -f linkerd-prune.yaml; fi',
    );
    const dir = mkdtempSync(join(tmpdir(), 'meshproof-prune-'));
    try {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      // A kubectl that fails if it is called at all, and a prune that finds nothing.
      writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\ntouch '${join(dir, 'called')}'\nexit 1\n`);
      writeFileSync(join(bin, 'linkerd'), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, 'kubectl'), 0o755);
      chmodSync(join(bin, 'linkerd'), 0o755);
      const place = { env: { PATH: `${bin}:/usr/bin:/bin` }, cwd: dir };
      await runStep(prune, place, 10_000);
      await runStep(remove, place, 10_000);
      expect(existsSync(join(dir, 'called'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

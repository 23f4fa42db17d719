import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../errors/meshproof-error.ts';
import { harnessVersion } from './harness-version.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
const bin = join(root, packageJson.bin.meshproof ?? '');

/** Node releases that cannot run the TypeScript sources (type stripping is on by default from 22.18). */
function tooOld(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6);
}

/** An old Node of this machine: CI machines and Debian/Ubuntu images carry one at /usr/bin/node. */
function findOldNode(): { node: string; version: string } | undefined {
  for (const node of [process.env.MESHPROOF_OLD_NODE, '/usr/bin/node', '/usr/local/bin/node']) {
    if (!node || !existsSync(node)) continue;
    const result = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const version = result.stdout.trim();
    if (result.status === 0 && tooOld(version)) return { node, version };
  }
  return undefined;
}

const oldNode = findOldNode();

function expectNodeTooOld(stderr: string, status: number | null) {
  expect(status, stderr).toBe(2);
  expect(stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|\n\s+at /);
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^MESHPROOF_NODE_TOO_OLD: meshproof needs Node\.js 22\.18 or newer.*\bmake\b/);
}

describe('the package bin', () => {
  it('is plain JavaScript that any Node can read, and its code is a known one', () => {
    expect(packageJson.bin.meshproof).toBe('./bin/meshproof.js');
    expect(errorCodes).toContain('MESHPROOF_NODE_TOO_OLD');
    expect(readFileSync(bin, 'utf8')).toContain('MESHPROOF_NODE_TOO_OLD');
  });

  it('runs the CLI on this Node', () => {
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(harnessVersion());
    expect(result.status).toBe(0);
  });

  it('says so in one coded line when type stripping is turned off', () => {
    const result = spawnSync(process.execPath, ['--no-experimental-strip-types', bin, '--help'], {
      encoding: 'utf8',
    });
    expectNodeTooOld(result.stderr, result.status);
    expect(result.stderr).toContain('type stripping turned off');
  });
});

describe.skipIf(!oldNode)(
  `on an old Node (${oldNode ? `${oldNode.node}, Node ${oldNode.version}` : 'skipped: no Node older than 22.18 at /usr/bin/node, /usr/local/bin/node or $MESHPROOF_OLD_NODE'})`,
  () => {
    it('meshproof --help prints which Node is needed and how to get it, exit 2', () => {
      const result = spawnSync(oldNode?.node ?? '', [bin, '--help'], { encoding: 'utf8' });
      expectNodeTooOld(result.stderr, result.status);
      expect(result.stderr).toContain(`Node ${oldNode?.version}`);
      expect(result.stdout).toBe('');
    });

    it.skipIf(!existsSync(join(dirname(oldNode?.node ?? '/'), 'npx')))(
      'npx meshproof --help, with that Node first on PATH, does the same (below npm’s own engine warning)',
      () => {
        const result = spawnSync(join(dirname(oldNode?.node ?? '/'), 'npx'), ['meshproof', '--help'], {
          cwd: root,
          encoding: 'utf8',
          env: {
            ...process.env,
            PATH: `${dirname(oldNode?.node ?? '/')}:/usr/bin:/bin`,
            npm_config_update_notifier: 'false',
          },
          timeout: 60_000,
        });
        const ours = result.stderr
          .split('\n')
          .filter((line) => !line.startsWith('npm warn'))
          .join('\n');
        expectNodeTooOld(ours, result.status);
        expect(result.stdout).toBe('');
      },
    );
  },
);

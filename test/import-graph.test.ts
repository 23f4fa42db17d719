import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  concernImports,
  cyclesOf,
  exportsOnlyTestsReach,
  productEntries,
  reachableFrom,
  readImportGraph,
} from './import-graph.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const graph = readImportGraph(root);

describe('the import graph of meshproof', () => {
  it('lib/ holds product code only: every module in it is reachable from what users and CI start', () => {
    const entries = productEntries(root).filter((entry) => graph.files.includes(entry));
    expect(entries).toContain('bin/meshproof.js');
    const product = reachableFrom(graph, entries);
    expect(product).toContain('lib/cli/main.ts');
    const testOnly = graph.files.filter(
      (file) => file.startsWith('lib/') && !file.endsWith('.test.ts') && !product.has(file),
    );
    // A module only tests use belongs under test/ (mirroring its concern), or is dead and goes.
    expect(testOnly).toEqual([]);
  });

  it('lib/ exports nothing only tests use: every export is imported by product code or used where it is', () => {
    const entries = productEntries(root).filter((entry) => graph.files.includes(entry));
    const product = [...reachableFrom(graph, entries)].filter((file) => !file.endsWith('.test.ts'));
    const unused = exportsOnlyTestsReach(
      root,
      product.filter((file) => file.startsWith('lib/')),
      product,
    );
    // Exported so that the type checker proves a property at compile time; no code uses it.
    const compileTimeAssertions = ['lib/meshes/linkerd/linkerd-resources.ts#GatewayHttpRouteIsModelled'];
    expect(unused.filter((name) => !compileTimeAssertions.includes(name))).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(cyclesOf(graph.imports)).toEqual([]);
  });

  it('has no import cycle between the concerns of lib/ (lib/<folder>), tests aside', () => {
    expect(cyclesOf(concernImports(graph))).toEqual([]);
  });
});

describe('the import-graph reader', () => {
  const project = mkdtempSync(join(tmpdir(), 'meshproof-graph-'));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  };
  write('lib/cli/main.ts', "import { a } from '../a/a.ts';\nexport const main = a;\n");
  write('lib/cli/reaper.ts', "export const child = new URL('./reaper-process.ts', import.meta.url);\n");
  write('lib/cli/reaper-process.ts', "import { child } from './reaper.ts';\nconsole.log(child);\n");
  write('lib/a/a.ts', "import type { B } from '../b/b.ts';\nexport const a: B = 1;\n");
  write('lib/b/b.ts', "export type B = number;\nexport const later = () => import('../a/late.ts');\n");
  write('lib/a/late.ts', "export * from '../b/b.ts';\n");
  write(
    'lib/a/fixtures.ts',
    'export const fixture = 1;\nexport const local = 2;\nexport const twice = local;\n',
  );
  write('lib/a/a.test.ts', "import { fixture } from './fixtures.ts';\nimport '../cli/reaper.ts';\n");
  const small = readImportGraph(project);

  it('follows type imports, literal dynamic imports and re-exports, and processes started by path', () => {
    expect([...reachableFrom(small, ['lib/cli/main.ts'])].sort()).toEqual([
      'lib/a/a.ts',
      'lib/a/late.ts',
      'lib/b/b.ts',
      'lib/cli/main.ts',
    ]);
    expect(reachableFrom(small, ['lib/a/a.test.ts'])).toContain('lib/cli/reaper-process.ts');
  });

  it('finds a file cycle, but not one through a process started by path', () => {
    expect(cyclesOf(small.imports)).toEqual([['lib/a/late.ts', 'lib/b/b.ts']]);
  });

  it('finds an export only a test imports, but not one its module uses or one reached through export *', () => {
    const product = ['lib/cli/main.ts', 'lib/a/a.ts', 'lib/b/b.ts', 'lib/a/late.ts', 'lib/a/fixtures.ts'];
    expect(exportsOnlyTestsReach(project, product, product)).toEqual([
      'lib/a/fixtures.ts#fixture',
      'lib/a/fixtures.ts#twice',
      'lib/b/b.ts#later',
      'lib/cli/main.ts#main',
    ]);
  });

  it('finds a cycle between concerns and leaves the tests out of it', () => {
    expect(cyclesOf(concernImports(small))).toEqual([['lib/a', 'lib/b']]);
    const fixtureOnlyInTests = !reachableFrom(small, ['lib/cli/main.ts']).has('lib/a/fixtures.ts');
    expect(fixtureOnlyInTests).toBe(true);
  });
});

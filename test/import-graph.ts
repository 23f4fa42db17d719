import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseSync, Visitor } from 'oxc-parser';
import { ResolverFactory } from 'oxc-resolver';

/**
 * The project's module graph, read with a real parser (oxc) and resolver (oxc-resolver), for the
 * tests that keep `lib/` product-only and the graph free of cycles. Paths are relative to the root.
 */
export interface ImportGraph {
  /** Every source file (`.ts`, `.js`) outside node_modules, .tools, reports and the golden files. */
  readonly files: readonly string[];
  /** file → the project files it imports: static, type-only, re-exports, literal dynamic imports. */
  readonly imports: ReadonlyMap<string, ReadonlySet<string>>;
  /** file → the project files it starts as a process by their path
   * (`new URL('./reaper-process.ts', import.meta.url)`: the reaper, the fixture servers). */
  readonly starts: ReadonlyMap<string, ReadonlySet<string>>;
}

const skippedFolders = new Set(['node_modules', '.tools', '.git', 'reports']);

function sourceFiles(root: string, folder = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!skippedFolders.has(entry.name)) found.push(...sourceFiles(root, path));
    } else if (
      /\.(ts|js)$/.test(entry.name) &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.includes('.golden.')
    ) {
      found.push(path);
    }
  }
  return found;
}

/** The specifiers a module imports, and those of the modules it starts by their path. */
function referencedSpecifiers(path: string, text: string): { imports: string[]; starts: string[] } {
  const parsed = parseSync(path, text);
  if (parsed.errors.length > 0) throw new Error(`${path}: ${parsed.errors[0]?.message}`);
  const specifiers = parsed.module.staticImports.map((entry) => entry.moduleRequest.value);
  const starts: string[] = [];
  for (const declaration of parsed.module.staticExports) {
    for (const entry of declaration.entries)
      if (entry.moduleRequest) specifiers.push(entry.moduleRequest.value);
  }
  new Visitor({
    ImportExpression(node) {
      if (node.source.type === 'Literal' && typeof node.source.value === 'string')
        specifiers.push(node.source.value);
    },
    NewExpression(node) {
      // new URL('./reaper-process.ts', import.meta.url): a module started as a process by its path.
      const [target, base] = node.arguments;
      const isUrl = node.callee.type === 'Identifier' && node.callee.name === 'URL';
      const fromHere =
        base?.type === 'MemberExpression' &&
        base.object.type === 'MetaProperty' &&
        base.property.type === 'Identifier' &&
        base.property.name === 'url';
      if (isUrl && fromHere && target?.type === 'Literal' && typeof target.value === 'string') {
        if (/\.(ts|js)$/.test(target.value)) starts.push(target.value);
      }
    },
  }).visit(parsed.program);
  return { imports: specifiers, starts };
}

/** Reads every source file under `root` and resolves what each refers to inside the project. */
export function readImportGraph(root: string): ImportGraph {
  const files = sourceFiles(root).sort();
  const resolver = new ResolverFactory({ extensions: ['.ts', '.js'], conditionNames: ['node', 'import'] });
  const projectFiles = (file: string, specifiers: readonly string[]): Set<string> => {
    const targets = new Set<string>();
    for (const specifier of specifiers) {
      if (!specifier.startsWith('.')) continue; // a package or a node: builtin, outside the graph
      const resolved = resolver.sync(dirname(join(root, file)), specifier);
      if (!resolved.path) throw new Error(`${file}: cannot resolve ${specifier}: ${resolved.error}`);
      const target = relative(root, resolved.path);
      if (!target.startsWith('..') && !target.includes('node_modules')) targets.add(target);
    }
    return targets;
  };
  const imports = new Map<string, Set<string>>();
  const starts = new Map<string, Set<string>>();
  for (const file of files) {
    const specifiers = referencedSpecifiers(file, readFileSync(join(root, file), 'utf8'));
    imports.set(file, projectFiles(file, specifiers.imports));
    starts.set(file, projectFiles(file, specifiers.starts));
  }
  return { files, imports, starts };
}

/** Every file reachable from `entries` by imports or by being started (the entries included). */
export function reachableFrom(graph: ImportGraph, entries: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    pending.push(...(graph.imports.get(file) ?? []), ...(graph.starts.get(file) ?? []));
  }
  return seen;
}

/**
 * The cycles of `edges` (file → files, or folder → folders): strongly connected components of
 * more than one node (or a node pointing at itself), each sorted, found with Tarjan's algorithm.
 * Starting a process by its path is not an import: the reaper imports what starts it.
 */
export function cyclesOf(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file) ?? 0);
    stack.push(file);
    onStack.add(file);
    for (const next of edges.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(file, Math.min(lowLink.get(file) ?? 0, lowLink.get(next) ?? 0));
      } else if (onStack.has(next)) {
        lowLink.set(file, Math.min(lowLink.get(file) ?? 0, index.get(next) ?? 0));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      component.push(member);
      if (member === file) break;
    }
    if (component.length > 1 || edges.get(file)?.has(file)) cycles.push(component.sort());
  };
  for (const file of edges.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** The folder of a file at the grain of the project's concerns: `lib/<concern>`, else the top folder. */
export function concernOf(file: string): string {
  const [top, concern, rest] = file.split('/');
  return top === 'lib' && rest !== undefined ? `lib/${concern}` : (top ?? file);
}

/** concern → the concerns its product files import (tests excluded: a test may import anything). */
export function concernImports(graph: ImportGraph): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph.imports) {
    if (file.endsWith('.test.ts') || file.startsWith('test/')) continue;
    const from = concernOf(file);
    const seen = edges.get(from) ?? new Set<string>();
    edges.set(from, seen);
    for (const target of targets) if (concernOf(target) !== from) seen.add(concernOf(target));
  }
  return edges;
}

const pathMention = /(?:^|[\s"'`/$])((?:lib|k6|fixtures|suites|bin)\/[\w./-]+\.(?:ts|js))\b/g;

/**
 * What users and CI start: package.json's bin and scripts, every `.ts`/`.js` path the Makefile,
 * action.yml and .github/ name (the action runs lib/ci/*.ts by path), and the k6 scripts
 * (k6/*.ts, copied into the cluster by name).
 */
export function productEntries(root: string): string[] {
  const texts = [
    readFileSync(join(root, 'Makefile'), 'utf8'),
    readFileSync(join(root, 'action.yml'), 'utf8'),
  ];
  const github = (folder: string): string[] =>
    readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? github(`${folder}/${entry.name}`)
        : [readFileSync(join(root, folder, entry.name), 'utf8')],
    );
  texts.push(...github('.github'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };
  texts.push(...Object.values(manifest.scripts));
  const entries = new Set(Object.values(manifest.bin).map((path) => path.replace(/^\.\//, '')));
  for (const text of texts)
    for (const match of text.matchAll(pathMention)) if (match[1]) entries.add(match[1]);
  for (const entry of readdirSync(join(root, 'k6'))) {
    if (entry.endsWith('.ts') && !entry.endsWith('.d.ts') && !entry.endsWith('.test.ts'))
      entries.add(`k6/${entry}`);
  }
  return [...entries].sort();
}

/**
 * The exports of `files` that nothing in `users` imports and that their own module does not use
 * either (the name occurs once, where it is declared): code only tests can reach, or dead code.
 * Follows named imports, namespace imports (`* as`, all used), and re-exports (named and `*`).
 */
export function exportsOnlyTestsReach(
  root: string,
  files: Iterable<string>,
  users: Iterable<string>,
): string[] {
  const resolver = new ResolverFactory({ extensions: ['.ts', '.js'], conditionNames: ['node', 'import'] });
  const resolve = (from: string, specifier: string) => {
    const resolved = resolver.sync(dirname(join(root, from)), specifier);
    return resolved.path ? relative(root, resolved.path) : undefined;
  };
  const parsed = new Map<string, ReturnType<typeof parseSync>>();
  const parse = (file: string) => {
    const known = parsed.get(file);
    if (known) return known;
    const result = parseSync(file, readFileSync(join(root, file), 'utf8'));
    parsed.set(file, result);
    return result;
  };
  const used = new Set<string>();
  /** re-exporting module#name → the module#name it forwards; `module#*` → modules it forwards all of. */
  const forwards = new Map<string, string[]>();
  const forward = (from: string, to: string) => forwards.set(from, [...(forwards.get(from) ?? []), to]);
  const userSet = new Set(users);
  const fileList = [...new Set([...files, ...userSet])];
  for (const file of fileList) {
    const { module } = parse(file);
    for (const declaration of module.staticImports) {
      if (!declaration.moduleRequest.value.startsWith('.')) continue;
      const target = resolve(file, declaration.moduleRequest.value);
      if (!target) continue;
      for (const entry of declaration.entries) {
        const name =
          entry.importName.kind === 'Name'
            ? entry.importName.name
            : entry.importName.kind === 'NamespaceObject'
              ? '*'
              : 'default';
        if (userSet.has(file)) used.add(`${target}#${name}`);
      }
    }
    for (const declaration of module.staticExports) {
      for (const entry of declaration.entries) {
        if (!entry.moduleRequest?.value.startsWith('.')) continue;
        const target = resolve(file, entry.moduleRequest.value);
        if (!target) continue;
        if (entry.importName.kind === 'AllButDefault' || entry.importName.kind === 'All') {
          forward(`${file}#*`, target);
        } else if (entry.importName.name && entry.exportName.name) {
          forward(`${file}#${entry.exportName.name}`, `${target}#${entry.importName.name}`);
        }
      }
    }
  }
  const exportsOf = (file: string): string[] =>
    parse(file).module.staticExports.flatMap((declaration) =>
      declaration.entries.flatMap((entry) => (entry.exportName.name ? [entry.exportName.name] : [])),
    );
  // Propagate uses through re-exports until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    const mark = (key: string) => {
      if (!used.has(key)) {
        used.add(key);
        changed = true;
      }
    };
    for (const [from, targets] of forwards) {
      const [module, name] = from.split('#') as [string, string];
      for (const target of targets) {
        if (name === '*') {
          for (const exported of exportsOf(target)) {
            if (used.has(`${module}#${exported}`) || used.has(`${module}#*`)) mark(`${target}#${exported}`);
          }
        } else if (used.has(from) || used.has(`${module}#*`)) {
          mark(target);
        }
      }
    }
  }
  const unused: string[] = [];
  for (const file of files) {
    const occurrences = new Map<string, number>();
    new Visitor({
      Identifier(node) {
        occurrences.set(node.name, (occurrences.get(node.name) ?? 0) + 1);
      },
    }).visit(parse(file).program);
    for (const name of exportsOf(file)) {
      if (used.has(`${file}#${name}`) || used.has(`${file}#*`)) continue;
      if ((occurrences.get(name) ?? 0) <= 1) unused.push(`${file}#${name}`);
    }
  }
  return unused.sort();
}

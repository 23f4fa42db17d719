import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync, Visitor } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, errorCodes } from '../lib/errors/meshproof-error.ts';
import { withErrorCodeTable } from '../lib/errors/readme-codes.ts';
import { productEntries, reachableFrom, readImportGraph } from './import-graph.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const codePattern = /MESHPROOF_[A-Z0-9_]+/g;

/**
 * The codes a TypeScript/JavaScript module prints: the first argument of `new MeshproofError`, and
 * `MESHPROOF_X: …` at the start of a coded line in any string or template (`printed`); and every
 * string that is a code's name, such as one passed to a helper that builds the error (`named`).
 */
function codesOf(path: string): { printed: Set<string>; named: Set<string> } {
  const printed = new Set<string>();
  const named = new Set<string>();
  const codedLine = (text: string) => {
    for (const match of text.matchAll(/(?:^|\n)(MESHPROOF_[A-Z0-9_]+): /g))
      if (match[1]) printed.add(match[1]);
  };
  new Visitor({
    NewExpression(node) {
      const [code] = node.arguments;
      const isError = node.callee.type === 'Identifier' && node.callee.name === 'MeshproofError';
      if (isError && code?.type === 'Literal' && typeof code.value === 'string') printed.add(code.value);
      // A code chosen between two: `new MeshproofError(cond ? 'A' : 'B', …)`.
      if (isError && code?.type === 'ConditionalExpression') {
        for (const branch of [code.consequent, code.alternate]) {
          if (branch.type === 'Literal' && typeof branch.value === 'string') printed.add(branch.value);
        }
      }
    },
    Literal(node) {
      if (typeof node.value !== 'string') return;
      codedLine(node.value);
      if (/^MESHPROOF_[A-Z0-9_]+$/.test(node.value)) named.add(node.value);
    },
    TemplateElement(node) {
      codedLine(node.value.cooked ?? node.value.raw);
    },
  }).visit(parseSync(path, readFileSync(join(root, path), 'utf8')).program);
  return { printed, named };
}

/** The codes the Makefile and the action's scripts print (`echo "MESHPROOF_X: …"`, `fail MESHPROOF_X`). */
function codesPrintedByScripts(): Set<string> {
  const action = join(root, '.github/action');
  const scripts = readdirSync(action)
    .filter((file) => file.endsWith('.sh'))
    .map((file) => readFileSync(join(action, file), 'utf8'));
  const printed = new Set<string>();
  for (const text of [readFileSync(join(root, 'Makefile'), 'utf8'), ...scripts]) {
    for (const match of text.matchAll(/(?:echo "|fail )(MESHPROOF_[A-Z0-9_]+)\b/g))
      if (match[1]) printed.add(match[1]);
  }
  return printed;
}

describe('error codes', () => {
  const graph = readImportGraph(root);
  const product = [
    ...reachableFrom(
      graph,
      productEntries(root).filter((entry) => graph.files.includes(entry)),
    ),
  ];
  const printed = new Set(codesPrintedByScripts());
  const named = new Set<string>();
  for (const file of product) {
    if (file.startsWith('lib/errors/')) continue;
    const codes = codesOf(file);
    for (const code of codes.printed) printed.add(code);
    for (const code of codes.named) named.add(code);
  }

  it("README's table is the one generated from the codes (make readme-codes)", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(withErrorCodeTable(readme)).toBe(readme);
  });

  it('every code of the union is printed somewhere, and nothing prints a code outside it', () => {
    const known = new Set<string>(errorCodes);
    expect(errorCodes.filter((code) => !printed.has(code) && !named.has(code))).toEqual([]);
    expect([...printed].filter((code) => !known.has(code)).sort()).toEqual([]);
  });

  it('finds a coded line in a template and a code chosen between two (the scan can see them)', () => {
    const seen: ErrorCode[] = [
      'MESHPROOF_NODE_TOO_OLD',
      'MESHPROOF_MESH_PRECHECK_FAILED',
      'MESHPROOF_NODE_MISSING',
    ];
    for (const code of seen) expect(printed).toContain(code);
    expect([...printed].every((code) => (code.match(codePattern) ?? []).length === 1)).toBe(true);
  });
});

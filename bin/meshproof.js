#!/usr/bin/env node
// The package's `bin`. Plain JavaScript on purpose, and nothing newer than what Node 14 reads: the
// CLI itself is TypeScript that Node runs natively only from 22.18 on, and an older Node that npx
// happens to find would otherwise die on it with ERR_UNKNOWN_FILE_EXTENSION and a stack trace.
// The code is listed in lib/errors/meshproof-error.ts.
const [major, minor] = process.versions.node.split('.').map(Number);
const releaseStripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
// Also false when type stripping was turned off (node --no-experimental-strip-types).
const typesStripped = Boolean(process.features?.typescript);

if (releaseStripsTypes && typesStripped) {
  await import('../lib/cli/main.ts');
} else {
  const why = releaseStripsTypes
    ? `Node ${process.versions.node} at ${process.execPath} runs with type stripping turned off (check NODE_OPTIONS for --no-experimental-strip-types)`
    : `this is Node ${process.versions.node} at ${process.execPath}`;
  process.stderr.write(
    `MESHPROOF_NODE_TOO_OLD: meshproof needs Node.js 22.18 or newer, which runs its TypeScript natively; ${why}. ` +
      'Install Node 24 (nvm install 24, or actions/setup-node with node-version 24 in CI) and run it again, ' +
      'or run it through make (make conformance, make help), which installs Node 24 into .tools/ by itself\n',
  );
  process.exitCode = 2;
}

import { defineConfig } from 'vitest/config';

/** Configuration of `make test`: unit, golden and end-to-end tests of the harness itself. */
export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts', 'suites/**/*.test.ts', 'fixtures/**/*.test.ts', 'k6/**/*.test.ts'],
    pool: 'forks',
    reporters: ['default', './lib/report/closing-line-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

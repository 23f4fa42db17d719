import { defineConfig } from 'vitest/config';

/** Configuration of `make test`: unit, golden and end-to-end tests of the harness itself. */
export default defineConfig({
  test: {
    include: [
      'lib/**/*.test.ts',
      'test/**/*.test.ts',
      'suites/**/*.test.ts',
      'fixtures/**/*.test.ts',
      'k6/**/*.test.ts',
    ],
    pool: 'forks',
    reporters: ['default', './test/closing-line-reporter.ts'],
    // Deadlines against hangs, not speed claims: on a loaded CI runner (load average 20 on 2 CPUs)
    // starting node alone took over 30 s, and a test that starts a few processes needs minutes.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global; forks keep one backend per test file.
    pool: 'forks',
    reporters: ['default', './test/support/summary_reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

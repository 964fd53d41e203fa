import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global; forks keep one backend per test file.
    pool: 'forks',
    reporters: ['default', './test/support/summary_reporter.ts'],
    // Test files already run in parallel, one per core: one wasm thread and no data-parallel
    // workers each (tests about threads or workers ask for them).
    env: { MWT_WASM_THREADS: '1', MWT_WORKERS: '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

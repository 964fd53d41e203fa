import * as os from 'node:os';
import { defineConfig } from 'vitest/config';
import { readBuildInfo, tensorflowBuildDir } from './src/engine/tensorflow_native.js';

/**
 * Tests of wasm internals: our wasm kernels (conv gradients, Winograd, MaxPoolGrad), the threaded
 * wasm build, data-parallel replicas (wasm only), the wasm heap accounting of the streaming
 * backward pass, wasm-specific bench defaults. They run in the wasm project only; the tests
 * listed in ONCE too, and every other test runs once per backend.
 */
const WASM_ONLY = [
  'test/engine/conv_gradients.test.ts',
  'test/engine/winograd.test.ts',
  'test/engine/max_pool_grad.test.ts',
  'test/engine/wasm_single_thread.test.ts',
  'test/engine/wasm_threads.test.ts',
  'test/train/data_parallel.test.ts',
  'test/engine/streaming_gradients.test.ts',
  'test/engine/speedups.test.ts',
];

/**
 * Tests that no tfjs backend changes, run once (in the wasm project): the package as a user
 * installs it (its own backend choice, in a scratch app); dataset readers, file formats and
 * option parsing; the report and the served page (the page runs its own tfjs in Chromium);
 * CLI plumbing that fails or stops before or around the numerics (usage errors, bad run files,
 * Ctrl-C). Tests of what the backend computes, leaks or prints on load (train, modularize,
 * reuse, modules, leaks, cli_outputs) run on every backend.
 */
const ONCE = [
  'test/package/install.test.ts',
  'test/data/**',
  'test/io/**',
  'test/cli/**',
  'test/report/**',
  'test/serve/**',
  'test/log/**',
  'test/reliability/cli_errors.test.ts',
  'test/reliability/run_errors.test.ts',
  'test/reliability/interrupt.test.ts',
  'test/reliability/status.test.ts',
  // Orchestration of train, modularize and reuse, which run on every backend in their own tests.
  'test/reuse/experiment_trends.test.ts',
  'test/reuse/experiment_seeds.test.ts',
];

/** Tests of the TensorFlow ops mwt calls on the tensorflow backend: the tensorflow project only. */
const TENSORFLOW_ONLY = ['test/engine/tensorflow_ops.test.ts', 'test/engine/tensorflow_fixes.test.ts'];

// The tensorflow project runs where `mwt setup tensorflow` has built the backend (CI builds it
// when the wheel can be had); elsewhere the suite runs on wasm alone and says so.
const tensorflow = readBuildInfo() != null;
const only = process.env.MWT_TEST_BACKENDS?.split(',');
if (!tensorflow && !process.env.VITEST_WORKER_ID) {
  console.log(
    `tests: the tensorflow backend is not built (${tensorflowBuildDir()}): running on wasm only (build it with \`npm run setup:tensorflow\`)`,
  );
}

const common = {
  include: ['test/**/*.test.ts'],
  // tfjs backends are process-global; forks keep one backend per test file.
  pool: 'forks' as const,
  testTimeout: 120_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // One test file per core. vitest's default leaves one core free (availableParallelism - 1),
    // which on CI's 2 cores ran the whole suite one file at a time; every file keeps to one
    // thread (MWT_WASM_THREADS, TF_NUM_INTRAOP_THREADS below), so two files fill two cores.
    maxWorkers: Math.max(os.availableParallelism(), 1),
    reporters: ['default', './test/support/summary_reporter.ts'],
    projects: [
      {
        test: {
          ...common,
          name: 'wasm',
          // Test files already run in parallel, one per core: one wasm thread and no data-parallel
          // workers each (tests about threads or workers ask for them). MWT_BACKEND pins the CLI's
          // child processes to wasm even where tensorflow is installed.
          env: { MWT_WASM_THREADS: '1', MWT_WORKERS: '1', MWT_BACKEND: 'wasm' },
          exclude: TENSORFLOW_ONLY,
        },
      },
      ...(tensorflow
        ? [
            {
              test: {
                ...common,
                name: 'tensorflow',
                exclude: [...WASM_ONLY, ...ONCE],
                // One intra-op thread per test file: files run two at a time on two cores.
                env: { MWT_WASM_THREADS: '1', MWT_WORKERS: '1', MWT_BACKEND: 'tensorflow', TF_NUM_INTRAOP_THREADS: '1' },
              },
            },
          ]
        : []),
    ].filter((p) => only == null || only.includes(p.test.name)),
  },
});

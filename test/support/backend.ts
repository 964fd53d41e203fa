/**
 * The backend a backend-agnostic test runs on. vitest.config.ts runs the suite once per backend
 * (projects "wasm" and "tensorflow") with MWT_BACKEND set; a test names the backend it would use
 * on its own (wasm, or cpu for tiny models) and the tensorflow project swaps in tensorflow.
 * Tests of wasm internals (our wasm kernels, threads, data-parallel replicas) do not use this:
 * they run in the wasm project only (WASM_ONLY in vitest.config.ts).
 */
export type TestBackend = 'wasm' | 'cpu' | 'tensorflow';

export function testBackend(usual: 'wasm' | 'cpu' = 'wasm'): TestBackend {
  return process.env.MWT_BACKEND === 'tensorflow' ? 'tensorflow' : usual;
}

/**
 * The page's tfjs backend: wasm (XNNPACK, the same kernels mwt uses in Node) with its binaries
 * served by `mwt serve` itself, so nothing comes from a CDN; the pure-JS cpu backend when wasm
 * cannot start (no WebAssembly, blocked by policy).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** Where the server publishes the bundle's files (wasm binaries included). */
export const APP_PATH = '/app/';

export async function chooseBackend(): Promise<{ name: string; fellBack: string | null }> {
  tf.env().set('PROD', true);
  // Threads need cross-origin isolation, which this plain local server does not ask for.
  setWasmPaths(new URL(APP_PATH, location.href).href);
  try {
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return { name: 'wasm', fellBack: null };
    }
  } catch (e) {
    await tf.setBackend('cpu');
    await tf.ready();
    return { name: 'cpu', fellBack: `wasm did not start (${(e as Error).message})` };
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', fellBack: 'wasm did not start' };
}

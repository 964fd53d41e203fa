/**
 * Run-time backend choice: tensorflow (tfjs-node-gpu / tfjs-node) when it loads, else wasm, else cpu.
 * `--backend NAME` or MWT_BACKEND force one. Every command prints what it runs on.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerWasmConvGradients } from './conv_gradients_wasm.js';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

async function tryTensorflow(): Promise<boolean> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (tf.findBackend('tensorflow') != null) return true;
    } catch {
      // Not installed (it cannot install without access to its libtensorflow download).
    }
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmConvGradients();
    return tf.findBackend('wasm') != null || tf.engine().registryFactory['wasm'] != null;
  } catch {
    return false;
  }
}

const loaders: Record<BackendName, () => Promise<boolean>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: async () => true,
};

/**
 * Selects and initialises a backend. With `requested` (or MWT_BACKEND) that backend must load,
 * else this throws; without it the best available one is used. Returns the backend's name.
 */
export async function initBackend(requested?: string): Promise<BackendName> {
  // PROD silences tfjs' console advice to install tfjs-node (it cannot install here).
  tf.env().set('PROD', true);
  const wanted = requested ?? process.env.MWT_BACKEND;
  if (wanted) {
    if (!(BACKENDS as readonly string[]).includes(wanted)) {
      throw new Error(`--backend: unknown backend '${wanted}', expected one of ${BACKENDS.join(', ')}`);
    }
    const name = wanted as BackendName;
    if (!(await loaders[name]()) || !(await tf.setBackend(name))) {
      throw new Error(`--backend: the '${name}' backend is not available on this machine`);
    }
    await tf.ready();
    return name;
  }
  for (const name of BACKENDS) {
    if ((await loaders[name]()) && (await tf.setBackend(name).catch(() => false))) {
      await tf.ready();
      return name;
    }
  }
  throw new Error('no tfjs backend could be initialised');
}

/**
 * Direct access to the wasm backend's heap, for the few kernels we write as plain JS loops.
 *
 * Some wasm kernels are slow for reasons that have nothing to do with arithmetic (Reverse and
 * Tile compute a multi-dimensional index per element, MaxPoolGrad is scalar C++ with a wrong
 * initial maximum). A JS loop over Float32Array views of the heap runs at about 1 ns per element,
 * which is what these data-movement kernels need.
 *
 * A view is valid only until the next allocation on the heap (the heap may grow and move), so
 * allocate every output first, then take the views.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A float32 view of a tensor's data on the wasm heap. */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`mwt wasm kernel: expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** A new float32 tensor on the heap, owned by the caller (uninitialised memory). */
export function allocF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

/**
 * Wraps a kernel input as a Tensor that holds its own reference to the data: disposing the
 * wrapper must not free the caller's input (makeTensorFromTensorInfo alone takes no reference).
 */
export function borrowTensor(info: TensorInfo): tf.Tensor {
  const engine = tf.engine();
  const t = engine.makeTensorFromTensorInfo(info);
  engine.backend.incRef(info.dataId);
  return t;
}

/** Wraps a freshly allocated TensorInfo as a Tensor that owns (and frees) its data. */
export function ownTensor(info: TensorInfo): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(info);
}

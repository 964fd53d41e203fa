/**
 * Frees an optimizer completely. tfjs 4.22's MomentumOptimizer.dispose() frees its momentum
 * scalar and slots but not the learning-rate scalar its SGD parent keeps (`c`, made anew by
 * every setLearningRate), so a process that trains several models leaks one tensor per run.
 */
import type * as tf from '@tensorflow/tfjs-core';

export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c != null && !c.isDisposed) c.dispose();
}

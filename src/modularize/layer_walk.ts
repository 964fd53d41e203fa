/**
 * Runs a functional model eagerly, layer by layer, over a set of images held in memory, so that a
 * caller can change a layer's weights from what reaches it, after every layer before it has run
 * with its own changes (bn_statistics.ts: each BN's statistics from its input, with the earlier
 * BNs already matched). One pass in all, where a truncated model per layer would compute every
 * earlier layer again for each later one.
 *
 * The images go through in chunks that all stay alive from one layer to the next; a tensor is
 * freed once the last layer that reads it has run, so memory holds the live activations of the
 * chunked images, not of the whole network.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Dataset } from '../data/dataset.js';

type Layer = LayersModel['layers'][number];
type Node = Layer['inboundNodes'][number];

/**
 * Called before `layer` runs, with its inputs chunk by chunk (`inputs[chunk][k]` is the k-th input
 * of the layer for that chunk). It may set the layer's weights; it must not dispose the inputs.
 */
export type BeforeLayer = (layer: Layer, inputs: tf.Tensor[][]) => void;

/** The call of `layer` inside the walked model: the one inbound node whose inputs are all computed by now. */
function nodeIn(layer: Layer, computed: Set<number>): Node {
  const nodes = layer.inboundNodes.filter((n) => n.inputTensors.every((t) => computed.has(t.id)));
  if (nodes.length !== 1)
    throw new Error(`layer walk: layer ${layer.name} has ${nodes.length} calls whose inputs are computed before it, expected 1`);
  return nodes[0]!;
}

/** Walks `net` (one input) over every image of `ds`, calling `beforeLayer` before each layer runs. */
export function walkLayers(net: LayersModel, ds: Dataset, beforeLayer: BeforeLayer, chunkSize = 128): void {
  if (net.inputs.length !== 1) throw new Error(`layer walk: expected a model with one input, ${net.name} has ${net.inputs.length}`);
  if (ds.count === 0) throw new Error('layer walk: the dataset is empty');
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const chunks: tf.Tensor[] = [];
  for (let start = 0; start < ds.count; start += chunkSize) {
    const n = Math.min(chunkSize, ds.count - start);
    chunks.push(tf.tensor4d(ds.images.subarray(start * per, (start + n) * per), [n, ...ds.shape]));
  }
  // Each symbolic tensor's values, one per chunk, and how many layer calls still read it.
  const computed = new Map<number, tf.Tensor[]>([[net.inputs[0]!.id, chunks]]);
  const readers = new Map<number, number>();
  const calls: [Layer, Node][] = [];
  try {
    // The calls in order, each chosen against the tensors computed before it, as the walk will find them.
    const known = new Set<number>([net.inputs[0]!.id]);
    for (const layer of net.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const node = nodeIn(layer, known);
      calls.push([layer, node]);
      node.inputTensors.forEach((t) => readers.set(t.id, (readers.get(t.id) ?? 0) + 1));
      node.outputTensors.forEach((t: SymbolicTensor) => known.add(t.id));
    }
    for (const [layer, node] of calls) {
      const inputs = chunks.map((_, c) => node.inputTensors.map((t) => computed.get(t.id)![c]!));
      beforeLayer(layer, inputs);
      const outputs = inputs.map((xs) =>
        tf.tidy(() => {
          const out = layer.apply(xs.length === 1 ? xs[0]! : xs, node.callArgs) as tf.Tensor | tf.Tensor[];
          return Array.isArray(out) ? out : [out];
        }),
      );
      node.outputTensors.forEach((t, k) =>
        computed.set(
          t.id,
          outputs.map((o) => o[k]!),
        ),
      );
      for (const t of node.inputTensors) {
        const left = readers.get(t.id)! - 1;
        readers.set(t.id, left);
        if (left === 0) {
          tf.dispose(computed.get(t.id)!);
          computed.delete(t.id);
        }
      }
    }
  } finally {
    for (const values of computed.values()) tf.dispose(values);
  }
}

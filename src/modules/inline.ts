/**
 * Copies a trained LayersModel's layers into another functional graph, under a name prefix, with
 * their weights. Composed and patched models must be ONE flat tfjs model that loads with
 * loadLayersModel: nesting whole models as layers is fragile in tfjs serialisation, and modules
 * of the same architecture share every layer name, which a flat graph cannot have twice.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { serialization } from '@tensorflow/tfjs-core';
import '../layers/index.js';

export interface Inlined {
  /** The copies of the model's outputs, in order. */
  outputs: SymbolicTensor[];
  /** The copy of any tensor of the source model, by its original id. */
  tensor(original: SymbolicTensor): SymbolicTensor;
}

/** A fresh layer of a registered class from its config (what tfjs does when loading a model). */
function newLayer(className: string, config: serialization.ConfigDict): tfl.layers.Layer {
  const entry = serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`inline: layer class ${className} is not registered`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as tfl.layers.Layer;
}

/** Applies copies of `model`'s layers to `input` (the model must have one input). */
export function inlineModel(model: LayersModel, input: SymbolicTensor, prefix: string): Inlined {
  if (model.inputs.length !== 1) throw new Error(`inline: expected a model with one input, ${model.name} has ${model.inputs.length}`);
  const map = new Map<number, SymbolicTensor>([[model.inputs[0]!.id, input]]);
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer.inboundNodes.length !== 1)
      throw new Error(`inline: layer ${layer.name} is used ${layer.inboundNodes.length} times; only single-use layers can be copied`);
    const node = layer.inboundNodes[0]!;
    const inputs = node.inputTensors.map((t) => {
      const copy = map.get(t.id);
      if (!copy) throw new Error(`inline: layer ${layer.name} reads a tensor that is not computed before it`);
      return copy;
    });
    const config = { ...layer.getConfig(), name: `${prefix}${layer.name}` };
    const copy = newLayer(layer.getClassName(), config);
    const out = copy.apply(inputs.length === 1 ? inputs[0]! : inputs) as SymbolicTensor | SymbolicTensor[];
    // apply() built the copy, so it has weights of the right shapes now.
    if (layer.weights.length > 0) copy.setWeights(layer.getWeights());
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, i) => map.set(t.id, outs[i]!));
  }
  const tensor = (t: SymbolicTensor) => {
    const copy = map.get(t.id);
    if (!copy) throw new Error(`inline: tensor ${t.name} is not part of ${model.name}`);
    return copy;
  };
  return { outputs: model.outputs.map(tensor), tensor };
}

/** The input of the layer that produces the model's first output: the features its head reads. */
export function headInput(model: LayersModel): SymbolicTensor {
  const last = model.outputs[0]!.sourceLayer;
  if (last.getClassName() !== 'Dense')
    throw new Error(`module ${model.name}: expected its first output to come from a Dense layer, got ${last.getClassName()}`);
  return last.inboundNodes[0]!.inputTensors[0]!;
}

/** The sub-model from the input to the features before the final dense layer. */
export function featureModel(model: LayersModel): LayersModel {
  return tfl.model({ inputs: model.inputs, outputs: headInput(model) });
}

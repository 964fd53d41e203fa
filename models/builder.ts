/**
 * Shared building blocks of the zoo. One builder serves three forms of every architecture:
 *
 * - `modular`: every conv but the first has a mask generator beside it; the model outputs
 *   [logits, mask_1, ..., mask_L] so the training loop can read the masks of each call.
 * - `standard`: the plain CNN (conv -> BN -> ReLU), output [logits].
 * - pruned (`keep` given): only the kernels listed per conv are built, and each layer reads only
 *   the channels that can be non-zero (its "live" input channels). `plan` records, per layer, which
 *   rows/columns of the full model's weights it keeps, so weights are copied by layer name.
 *
 * Channel bookkeeping: `live` lists, in the full model's channel numbering, the channels a tensor
 * carries. In an unpruned build it is 0..C-1 everywhere.
 */
import { layers, model } from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { maskGenerator, defaultHidden } from '../src/layers/mask_generator.js';
import { applyMask } from '../src/layers/apply_mask.js';
import { channelPad } from '../src/layers/channel_pad.js';
import { fanInUniform } from '../src/layers/fan_in_uniform.js';
import type { DenseInit } from './names.js';

/**
 * How a dense layer's kernel starts (models/names.ts, with each model's default and why).
 */
export type { DenseInit } from './names.js';

export type ModelForm = 'modular' | 'standard';

/** Kept kernel indices per masked conv layer name (full-model numbering, ascending). */
export type KeepSpec = Record<string, number[]>;

/** Which rows/columns of the full model's weights a pruned layer keeps. */
export interface SlicePlan {
  /** Kept input channels (conv, generator) or kept input rows (dense). */
  in?: number[];
  /** Kept output channels (conv, BN, generator). */
  out?: number[];
}

export interface BuildOptions {
  form: ModelForm;
  keep?: KeepSpec;
  /** In a pruned modular build, keep the generators (sliced); otherwise pruned builds drop them. */
  keepGenerators?: boolean;
}

/** What a zoo architecture is built from (models/registry.ts passes it to the family's builder). */
export interface ModelConfig extends BuildOptions {
  numClasses: number;
  /** [height, width, channels] */
  inputShape: [number, number, number];
  /** Channel multiplier: 0.25 builds a quarter of the channels of every layer. */
  width: number;
  /**
   * How the classifier's dense kernels start (`mwt train --classifier-init`); buildModel fills in
   * the model's own default (DEFAULT_CLASSIFIER_INIT) when it is left out. Only a fresh model's
   * starting point: a saved or pruned model takes its weights from the run, so it is not part of
   * ModelSpec.
   */
  classifierInit?: DenseInit;
}

export interface Feature {
  tensor: SymbolicTensor;
  live: number[];
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function scaleChannels(channels: number, width: number): number {
  return Math.max(1, Math.round(channels * width));
}

export class ModelBuilder {
  readonly masks: SymbolicTensor[] = [];
  readonly maskNames: string[] = [];
  readonly plan: Record<string, SlicePlan> = {};
  /** Full-model kernel count of every masked conv, in order. */
  readonly maskedKernels: Record<string, number> = {};

  constructor(readonly options: BuildOptions) {}

  get pruned(): boolean {
    return this.options.keep != null;
  }

  private get withGenerators(): boolean {
    return this.options.form === 'modular' && (!this.pruned || this.options.keepGenerators === true);
  }

  input(shape: [number, number, number]): Feature {
    return { tensor: layers.input({ shape, name: 'input' }) as SymbolicTensor, live: range(shape[2]) };
  }

  /**
   * conv -> BN -> (mask) -> (ReLU). `masked: false` marks the first conv, which has no generator
   * and is never pruned.
   */
  conv(
    x: Feature,
    name: string,
    filters: number,
    opts: { kernel?: number; stride?: number; relu?: boolean; masked?: boolean } = {},
  ): Feature {
    const { kernel = 3, stride = 1, relu = true, masked = true } = opts;
    const keep = masked && this.pruned ? this.options.keep![name] : undefined;
    if (masked && this.pruned && keep == null) throw new Error(`keep spec has no entry for masked layer '${name}'`);
    const out = keep ?? range(filters);
    if (out.length === 0) throw new Error(`keep spec for '${name}' keeps no kernel`);
    if (masked) this.maskedKernels[name] = filters;

    const conv = layers.conv2d({
      name,
      filters: out.length,
      kernelSize: kernel,
      strides: stride,
      padding: 'same',
      useBias: false,
      kernelInitializer: 'heNormal',
    });
    let y = conv.apply(x.tensor) as SymbolicTensor;
    this.plan[name] = { in: x.live, out };
    y = layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-5 }).apply(y) as SymbolicTensor;
    this.plan[`${name}_bn`] = { out };

    if (masked && this.withGenerators) {
      const gen = maskGenerator({ name: `${name}_mask`, kernels: out.length, hidden: defaultHidden(filters) });
      const mask = gen.apply(x.tensor) as SymbolicTensor;
      this.plan[`${name}_mask`] = { in: x.live, out };
      this.masks.push(mask);
      this.maskNames.push(`${name}_mask`);
      y = applyMask({ name: `${name}_masked` }).apply([y, mask]) as SymbolicTensor;
    }
    if (relu) y = layers.reLU({ name: `${name}_relu` }).apply(y) as SymbolicTensor;
    return { tensor: y, live: out };
  }

  maxPool(x: Feature, name: string): Feature {
    // 'same' padding lets 28x28 inputs go through five pools (28-14-7-4-2-1).
    const t = layers.maxPooling2d({ name, poolSize: 2, strides: 2, padding: 'same' }).apply(x.tensor) as SymbolicTensor;
    return { tensor: t, live: x.live };
  }

  /**
   * Residual addition. In a pruned build the two branches may carry different channels: each is
   * zero-padded into the union of both (paper Fig. 3-d), never by keeping extra kernels.
   */
  add(a: Feature, b: Feature, name: string, relu = true): Feature {
    const union = Array.from(new Set([...a.live, ...b.live])).sort((p, q) => p - q);
    const place = (f: Feature, suffix: string): SymbolicTensor => {
      if (f.live.length === union.length) return f.tensor;
      const index = new Map(union.map((c, i) => [c, i]));
      return channelPad({ name: `${name}_pad_${suffix}`, positions: f.live.map((c) => index.get(c)!), channels: union.length }).apply(
        f.tensor,
      ) as SymbolicTensor;
    };
    let t = layers.add({ name }).apply([place(a, 'a'), place(b, 'b')]) as SymbolicTensor;
    if (relu) t = layers.reLU({ name: `${name}_relu` }).apply(t) as SymbolicTensor;
    return { tensor: t, live: union };
  }

  /** Flatten, recording which rows of the next dense layer's kernel survive pruning. */
  flatten(x: Feature, name: string, fullChannels: number): { tensor: SymbolicTensor; rows: number[] } {
    const [, h, w] = x.tensor.shape as number[];
    const rows: number[] = [];
    // Channels-last flatten: row index = (position * C) + channel.
    for (let p = 0; p < h! * w!; p++) for (const c of x.live) rows.push(p * fullChannels + c);
    return { tensor: layers.flatten({ name }).apply(x.tensor) as SymbolicTensor, rows };
  }

  globalAvgPool(x: Feature, name: string): { tensor: SymbolicTensor; rows: number[] } {
    return { tensor: layers.globalAveragePooling2d({ name }).apply(x.tensor) as SymbolicTensor, rows: x.live };
  }

  dense(
    x: SymbolicTensor,
    name: string,
    units: number,
    opts: { rows?: number[]; activation?: 'relu' | 'linear'; init?: DenseInit } = {},
  ): SymbolicTensor {
    if (opts.rows) this.plan[name] = { in: opts.rows };
    const kernelInitializer = opts.init === 'fanInUniform' ? fanInUniform() : 'heNormal';
    return layers.dense({ name, units, activation: opts.activation ?? 'linear', kernelInitializer }).apply(x) as SymbolicTensor;
  }

  dropout(x: SymbolicTensor, name: string, rate: number): SymbolicTensor {
    return layers.dropout({ name, rate }).apply(x) as SymbolicTensor;
  }

  /** The finished model: [logits, ...masks] when generators are present, else [logits]. */
  finish(input: Feature, logits: SymbolicTensor, name: string): LayersModel {
    const outputs = this.masks.length > 0 ? [logits, ...this.masks] : logits;
    return model({ inputs: input.tensor, outputs, name });
  }
}

/**
 * Mini-batches over a Dataset as plain arrays: { x: NHWC Float32Array, y: Int32Array, size }.
 * No tfjs here: the trainer turns arrays into tensors (tf.tensor copies), so this layer stays
 * testable without a backend.
 *
 * Buffers: one x and one y buffer are allocated per iterator and refilled every step; a short
 * last batch is a subarray view of them. So a yielded batch is only valid until the next one is
 * requested: copy it (or build the tensor) before advancing, or pass reuseBuffers: false.
 *
 * Randomness is seeded per epoch, from (seed, epoch index): epoch k has the same order and the
 * same augmentation whether or not epochs 0..k-1 were iterated, which makes resumed runs repeat.
 *
 * Augmentation (the paper's recipe for 32x32 sets, torchvision's RandomCrop(32, padding=4) +
 * RandomHorizontalFlip): shift by (dy, dx) uniform in [-pad, pad], filling uncovered pixels with
 * padValue, then mirror left-right with probability 1/2. torchvision pads raw (black) pixels
 * before normalising; on an already normalised dataset pass padValue = -mean/std per channel to
 * reproduce that exactly (the default 0 pads with the mean colour).
 */
import { rng, sampleSize, shuffleInPlace, type Dataset, type Seed } from './dataset.js';

export interface Batch {
  /** size*h*w*c values, NHWC. */
  x: Float32Array;
  /** size labels. */
  y: Int32Array;
  size: number;
}

export interface AugmentOptions {
  /** Zero-padding (pixels) for the random crop; 0 disables the crop. Default 4. */
  padding?: number;
  /** Random horizontal flip. Default true. */
  flip?: boolean;
  /** Value of padded pixels: one number, or one per channel. Default 0. */
  padValue?: number | number[];
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle each epoch (seeded). Default false: file order. */
  shuffle?: boolean;
  /** Seed for shuffling and augmentation. Default 0. */
  seed?: Seed;
  /** 'keep' yields a short last batch, 'drop' leaves the remainder out. Default 'keep'. */
  lastBatch?: 'keep' | 'drop';
  /** true for the defaults (crop with 4-pixel padding + flip), or options. Default off. */
  augment?: boolean | AugmentOptions;
  /** Refill the same buffers every step (default true); false allocates per batch. */
  reuseBuffers?: boolean;
}

/**
 * Writes one image, shifted by (dy, dx) and optionally mirrored, into dst at dstOff:
 * out(r, col) = in(r + dy, col' + dx) with col' = flip ? w-1-col : col, padValue outside.
 */
export function cropFlipInto(
  src: Float32Array,
  srcOff: number,
  dst: Float32Array,
  dstOff: number,
  shape: readonly [number, number, number],
  dy: number,
  dx: number,
  flip: boolean,
  padValue: ArrayLike<number>,
): void {
  const [h, w, c] = shape;
  for (let r = 0; r < h; r++) {
    const sr = r + dy;
    const rowOut = dstOff + r * w * c;
    if (sr < 0 || sr >= h) {
      for (let col = 0; col < w; col++) for (let k = 0; k < c; k++) dst[rowOut + col * c + k] = padValue[k];
      continue;
    }
    const rowIn = srcOff + sr * w * c;
    for (let col = 0; col < w; col++) {
      const sc = (flip ? w - 1 - col : col) + dx;
      const o = rowOut + col * c;
      if (sc < 0 || sc >= w) {
        for (let k = 0; k < c; k++) dst[o + k] = padValue[k];
      } else {
        const i = rowIn + sc * c;
        for (let k = 0; k < c; k++) dst[o + k] = src[i + k];
      }
    }
  }
}

export class BatchIterator {
  readonly batchSize: number;
  readonly numBatches: number;
  readonly sampleSize: number;
  private readonly shuffle: boolean;
  private readonly seed: Seed;
  private readonly keepLast: boolean;
  private readonly reuse: boolean;
  private readonly aug?: { padding: number; flip: boolean; padValue: Float32Array };
  private nextEpoch = 0;
  private xBuf?: Float32Array;
  private yBuf?: Int32Array;

  constructor(
    readonly dataset: Dataset,
    options: BatchOptions,
  ) {
    const { batchSize, shuffle = false, seed = 0, lastBatch = 'keep', augment = false, reuseBuffers = true } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
    if (lastBatch !== 'keep' && lastBatch !== 'drop') throw new Error(`batches: lastBatch must be 'keep' or 'drop', got ${lastBatch}`);
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.keepLast = lastBatch === 'keep';
    this.reuse = reuseBuffers;
    this.sampleSize = sampleSize(dataset);
    this.numBatches = this.keepLast ? Math.ceil(dataset.count / batchSize) : Math.floor(dataset.count / batchSize);
    if (augment) {
      const a = augment === true ? {} : augment;
      const c = dataset.shape[2];
      const pv = a.padValue ?? 0;
      const padValue = Float32Array.from(typeof pv === 'number' ? new Array<number>(c).fill(pv) : pv);
      if (padValue.length !== c) throw new Error(`batches: padValue has ${padValue.length} values for ${c} channels`);
      const padding = a.padding ?? 4;
      if (!Number.isInteger(padding) || padding < 0) throw new Error(`batches: padding must be a non-negative integer, got ${padding}`);
      this.aug = { padding, flip: a.flip ?? true, padValue };
    }
  }

  /** Sample order of epoch `e` (file order when not shuffling). */
  order(e: number): Int32Array {
    const idx = new Int32Array(this.dataset.count);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    return this.shuffle ? shuffleInPlace(idx, rng(`${this.seed}/shuffle/${e}`)) : idx;
  }

  /**
   * The batches of one epoch: the next one by default, or epoch `e` (then counting resumes
   * from e+1). The counter advances when this is called, not when iteration starts.
   */
  epoch(e?: number): Generator<Batch, void, undefined> {
    const ep = e ?? this.nextEpoch;
    this.nextEpoch = ep + 1;
    return this.run(ep);
  }

  [Symbol.iterator](): Generator<Batch, void, undefined> {
    return this.epoch();
  }

  private *run(ep: number): Generator<Batch, void, undefined> {
    const { dataset: ds, batchSize: bs, sampleSize: S, aug } = this;
    const order = this.order(ep);
    const random = aug ? rng(`${this.seed}/augment/${ep}`) : undefined;
    for (let b = 0; b < this.numBatches; b++) {
      const start = b * bs;
      const size = Math.min(bs, ds.count - start);
      let x: Float32Array;
      let y: Int32Array;
      if (this.reuse) {
        this.xBuf ??= new Float32Array(bs * S);
        this.yBuf ??= new Int32Array(bs);
        x = size === bs ? this.xBuf : this.xBuf.subarray(0, size * S);
        y = size === bs ? this.yBuf : this.yBuf.subarray(0, size);
      } else {
        x = new Float32Array(size * S);
        y = new Int32Array(size);
      }
      for (let k = 0; k < size; k++) {
        const i = order[start + k];
        y[k] = ds.labels[i];
        if (aug) {
          const p = aug.padding;
          const dy = p > 0 ? Math.floor(random!() * (2 * p + 1)) - p : 0;
          const dx = p > 0 ? Math.floor(random!() * (2 * p + 1)) - p : 0;
          const flip = aug.flip && random!() < 0.5;
          cropFlipInto(ds.images, i * S, x, k * S, ds.shape, dy, dx, flip, aug.padValue);
        } else {
          x.set(ds.images.subarray(i * S, (i + 1) * S), k * S);
        }
      }
      yield { x, y, size };
    }
  }
}

/** One epoch of batches (convenience for evaluation loops): batches(ds, { batchSize: 256 }). */
export function batches(ds: Dataset, options: BatchOptions): Generator<Batch, void, undefined> {
  return new BatchIterator(ds, options).epoch();
}

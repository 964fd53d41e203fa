/** Module masks: thresholding of usage frequencies and the per-layer fallback, by hand. */
import { describe, expect, it } from 'vitest';
import { globalKernelIndices, selectLayerKernels, selectModuleMasks } from '../../src/modularize/module_masks.js';

describe('selectLayerKernels', () => {
  it('keeps kernels whose frequency reaches tau (>=)', () => {
    // Frequencies 0.9, 1.0, 0.5, 0.8.
    expect(selectLayerKernels([9, 10, 5, 8], 10, 0.9)).toEqual({ kept: [0, 1], threshold: 0.9 });
    expect(selectLayerKernels([9, 10, 5, 8], 10, 0.5)).toEqual({ kept: [0, 1, 2, 3], threshold: 0.5 });
    expect(selectLayerKernels([9, 10, 5, 8], 10, 1)).toEqual({ kept: [1], threshold: 1 });
  });

  it('lowers tau in steps of 0.05 for a layer that would keep nothing', () => {
    // Best frequency 0.7: 0.9, 0.85, 0.8, 0.75 keep nothing; 0.7 keeps kernel 0.
    expect(selectLayerKernels([7, 6, 2], 10, 0.9)).toEqual({ kept: [0], threshold: 0.7 });
    // 0.75 = 0.9 - 3 x 0.05 must compare equal despite float noise.
    expect(selectLayerKernels([3, 1], 4, 0.9)).toEqual({ kept: [0], threshold: 0.75 });
    // 2/3: 0.65 is the first step at or below it.
    expect(selectLayerKernels([2, 0], 3, 0.9)).toEqual({ kept: [0], threshold: 0.65 });
  });

  it('keeps the single most frequent kernel when no positive step keeps one', () => {
    // Frequency 0.01 < 0.05, the lowest step from 0.9.
    expect(selectLayerKernels([0, 1, 0], 100, 0.9)).toEqual({ kept: [1], threshold: 0 });
    // A layer no sample uses: the first kernel, not all of them.
    expect(selectLayerKernels([0, 0, 0], 5, 0.9)).toEqual({ kept: [0], threshold: 0 });
  });

  it('rejects a class without samples and thresholds outside (0, 1]', () => {
    expect(() => selectLayerKernels([1], 0, 0.9)).toThrow(/0 training samples/);
    expect(() => selectLayerKernels([1], 1, 0)).toThrow(/--threshold: expected a number in \(0, 1\]/);
    expect(() => selectLayerKernels([1], 1, 1.1)).toThrow(/--threshold/);
  });
});

describe('selectModuleMasks', () => {
  const layers = [
    { name: 'a', kernels: 3 },
    { name: 'b', kernels: 2 },
  ];

  it('thresholds each class and layer separately', () => {
    // Class 0 (3 samples): a [3,2,0], b [2,0]; class 1 (2 samples): a [0,0,2], b [1,2].
    const usage = [Int32Array.from([3, 2, 0, 2, 0]), Int32Array.from([0, 0, 2, 1, 2])];
    const masks = selectModuleMasks(layers, usage, [3, 2], 0.9);
    expect(masks[0]).toEqual({ class: 0, keep: { a: [0], b: [0] }, thresholds: { a: 0.9, b: 0.65 } });
    expect(masks[1]).toEqual({ class: 1, keep: { a: [2], b: [1] }, thresholds: { a: 0.9, b: 0.9 } });
    const low = selectModuleMasks(layers, usage, [3, 2], 0.5);
    expect(low.map((m) => m.keep)).toEqual([
      { a: [0, 1], b: [0] },
      { a: [2], b: [0, 1] },
    ]);
  });

  it('numbers kernels across layers for the concatenated masks', () => {
    expect(globalKernelIndices(layers, { a: [0, 2], b: [1] })).toEqual([0, 2, 4]);
  });

  it('rejects usage counts of the wrong width', () => {
    expect(() => selectModuleMasks(layers, [Int32Array.from([1, 1])], [1], 0.9)).toThrow(/expected 5/);
  });
});

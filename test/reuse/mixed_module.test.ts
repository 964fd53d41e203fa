import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { kernelRetentionRate, keptKernels, mixedModuleKeep, validateClasses, type ModuleMask } from '../../src/reuse/mixed_module.js';
import { restrictedAccuracyFromLogits, restrictedCorrectFromLogits } from '../../src/reuse/restricted_accuracy.js';
import { countSubsets, sampleSubsets, unrankSubset } from '../../src/reuse/subsets.js';
import { parseClassList } from '../../src/commands/reuse.js';
import { formatReuseMarkdown, parseSizeRange, summarizeBySize, type SubtaskResult } from '../../src/commands/experiment_reuse.js';

const modules: ModuleMask[] = [
  { class: 0, mask: { conv1: [0, 2], conv2: [1] } },
  { class: 1, mask: { conv1: [2, 3], conv2: [0, 1] } },
  { class: 2, mask: { conv1: [1], conv2: [3] } },
];

describe('mixed module (union of module masks)', () => {
  it('keeps each shared kernel once, per layer, ascending', () => {
    expect(mixedModuleKeep(modules, [0, 1])).toEqual({ conv1: [0, 2, 3], conv2: [0, 1] });
    expect(mixedModuleKeep(modules, [2, 0])).toEqual({ conv1: [0, 1, 2], conv2: [1, 3] });
    const keep = mixedModuleKeep(modules, [0, 1, 2]);
    expect(keep).toEqual({ conv1: [0, 1, 2, 3], conv2: [0, 1, 3] });
    expect(keptKernels(keep)).toBe(7);
    // conv1 has 4 kernels, conv2 has 5: 7 of 9 kept.
    expect(kernelRetentionRate(keep, { conv1: 4, conv2: 5 })).toBeCloseTo(7 / 9, 12);
  });

  it('never keeps more kernels for {a,b} than for {a,b,c} (random modules)', () => {
    const random = seedrandom('union');
    const layers = { l1: 16, l2: 32, l3: 8 };
    for (let trial = 0; trial < 200; trial++) {
      const mods: ModuleMask[] = Array.from({ length: 6 }, (_, c) => ({
        class: c,
        mask: Object.fromEntries(
          Object.entries(layers).map(([name, n]) => [name, Array.from({ length: n }, (_, k) => k).filter(() => random() < 0.3)]),
        ),
      }));
      const [a, b, c] = [0, 1, 2, 3, 4, 5].sort(() => random() - 0.5);
      const two = mixedModuleKeep(mods, [a!, b!]);
      const three = mixedModuleKeep(mods, [a!, b!, c!]);
      for (const name of Object.keys(layers)) {
        expect(two[name]!.length).toBeLessThanOrEqual(three[name]!.length);
        expect(two[name]!.every((k) => three[name]!.includes(k))).toBe(true);
      }
      expect(keptKernels(two)).toBeLessThanOrEqual(keptKernels(three));
    }
  });

  it('rejects bad class lists with one line naming the option', () => {
    expect(validateClasses([3, 0], 10)).toEqual([3, 0]);
    expect(() => validateClasses([0], 10)).toThrow(/^--classes: expected at least two classes/);
    expect(() => validateClasses([], 10)).toThrow(/^--classes: expected at least two classes/);
    expect(() => validateClasses([0, 0], 10)).toThrow(/^--classes: class 0 is listed twice/);
    expect(() => validateClasses([0, 10], 10)).toThrow(/^--classes: class 10 is outside 0\.\.9/);
    expect(() => validateClasses([-1, 2], 10)).toThrow(/^--classes: class -1 is outside/);
    expect(() => validateClasses([0, 1.5], 10)).toThrow(/^--classes: class 1.5 is outside/);
    expect(() => mixedModuleKeep(modules, [0, 7])).toThrow(/^--classes: no module for class 7/);
    expect(parseClassList('0, 3')).toEqual([0, 3]);
    expect(() => parseClassList('0,x')).toThrow(/^--classes: expected comma-separated class numbers/);
    expect(() => parseClassList('0,,3')).toThrow(/^--classes:/);
  });
});

describe('restricted logits (M-ACC)', () => {
  it('predicts the target class with the largest logit, ignoring the others', () => {
    // 4 classes, targets [3, 1]: label 0 means class 3, label 1 means class 1.
    const logits = [
      9,
      1,
      0,
      2, // class 0 is largest but not a target; 3 (2) > 1 (1): predicts label 0
      0,
      5,
      0,
      4, // 1 (5) > 3 (4): label 1
      0,
      3,
      0,
      3, // tie: the class listed first (3): label 0
    ];
    expect(restrictedAccuracyFromLogits(logits, 4, [0, 1, 0], [3, 1])).toBe(1);
    expect(restrictedAccuracyFromLogits(logits, 4, [1, 1, 1], [3, 1])).toBeCloseTo(1 / 3, 12);
    expect([...restrictedCorrectFromLogits(logits, 4, [1, 1, 1], [3, 1])]).toEqual([0, 1, 0]);
    expect(() => restrictedAccuracyFromLogits(logits, 4, [0, 1], [3, 1])).toThrow(/expected 2x4 logits/);
  });
});

describe('sub-task subsets (mathjs combinatorics)', () => {
  it('numbers subsets in lexicographic order', () => {
    expect(countSubsets(10, 2)).toBe(45);
    expect(countSubsets(10, 5)).toBe(252);
    const all = Array.from({ length: 10 }, (_, r) => unrankSubset(5, 3, r).join(''));
    expect(all).toEqual(['012', '013', '014', '023', '024', '034', '123', '124', '134', '234']);
    expect(() => unrankSubset(5, 3, 10)).toThrow(/rank 10 is outside 0\.\.9/);
  });

  it('samples distinct subsets with a seed, or returns all when there are few', () => {
    const a = sampleSubsets(10, 3, 10, 7);
    expect(a).toHaveLength(10);
    expect(new Set(a.map((s) => s.join(','))).size).toBe(10);
    for (const s of a) {
      expect(s).toHaveLength(3);
      expect([...s].sort((x, y) => x - y)).toEqual(s);
      expect(new Set(s).size).toBe(3);
    }
    expect(sampleSubsets(10, 3, 10, 7)).toEqual(a);
    expect(sampleSubsets(10, 3, 10, 8)).not.toEqual(a);
    expect(sampleSubsets(10, 9, 20, 0)).toHaveLength(10); // C(10, 9) = 10 < 20: all of them
    expect(sampleSubsets(10, 10, 10, 0)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(sampleSubsets(4, 2, 6, 0)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
  });

  it('gives the per-size loss an error that counts the test images two sub-tasks share', () => {
    // Test labels of six images: classes 0, 1, 2, twice each. Sub-task {0,1} holds images 0,1,3,4;
    // {1,2} holds 1,2,4,5. Image 1 (class 1) is right for the standard model only in the first
    // (difference 1), image 5 for the module only in the second (-1).
    const labels = [0, 1, 2, 0, 1, 2];
    const sub = (classes: number[], onlyStandard: number[], onlyModule: number[]): SubtaskResult => ({
      size: 2,
      classes,
      kernelRate: 0.5,
      flops: 1,
      flopReduction: 0.5,
      moduleAccuracy: 0.75,
      modelAccuracy: 0.75 + (onlyStandard.length - onlyModule.length) / 4,
      accuracyLoss: (onlyStandard.length - onlyModule.length) / 4,
      restrictedAccuracy: 0.5,
      disagreements: { onlyStandard, onlyModule },
      accuracyBeforeFineTune: 0,
      bestEpoch: 1,
      parameters: 0,
      seconds: 0,
    });
    const [size] = summarizeBySize([sub([0, 1], [1], []), sub([1, 2], [], [5])], 3, labels);
    // Means 0.25 and -0.25, so 0. Per image, (d - m) / (2 * 4): image 0: -1/32; 1: 3/32 + 1/32 = 4/32;
    // 2: 1/32; 3: -1/32; 4: -1/32 + 1/32 = 0; 5: -3/32. Squares sum to 28/1024; six images, times 6/5.
    expect(size!.accuracyLoss).toBeCloseTo(0, 12);
    expect(size!.accuracyLossSe).toBeCloseTo(Math.sqrt((28 / 1024) * (6 / 5)), 12);
    // One sub-task without its record (a file from before it was kept): no error for the size.
    const older = { ...sub([0, 2], [], []), disagreements: undefined };
    expect(summarizeBySize([sub([0, 1], [1], []), older], 3, labels)[0]!.accuracyLossSe).toBeNull();
  });

  it('parses --sizes and averages per size into the table', () => {
    expect(parseSizeRange('2-9')).toEqual([2, 9]);
    expect(parseSizeRange('3')).toEqual([3, 3]);
    expect(() => parseSizeRange('9-')).toThrow(/^--sizes: expected MIN-MAX/);
    const sub = (size: number, acc: number, std: number): SubtaskResult => ({
      size,
      classes: [],
      kernelRate: 0.2 * size,
      flops: 1e6 * size,
      flopReduction: 1 - 0.1 * size,
      moduleAccuracy: acc,
      modelAccuracy: std,
      accuracyLoss: std - acc,
      restrictedAccuracy: acc - 0.1,
      accuracyBeforeFineTune: 0,
      bestEpoch: 1,
      parameters: 0,
      seconds: 0,
    });
    const bySize = summarizeBySize([sub(2, 0.9, 1), sub(2, 0.8, 0.9), sub(3, 0.7, 0.7)], 10);
    expect(bySize.map((s) => [s.size, s.subtasks, s.possible])).toEqual([
      [2, 2, 45],
      [3, 1, 120],
    ]);
    expect(bySize[0]!.moduleAccuracy).toBeCloseTo(0.85, 12);
    expect(bySize[0]!.accuracyLoss).toBeCloseTo(0.1, 12);
    // Every figure is the mean of its sub-tasks; what belongs to one sub-task only is not carried.
    expect(bySize[0]).toEqual({
      size: 2,
      subtasks: 2,
      possible: 45,
      kernelRate: 0.4,
      flops: 2e6,
      flopReduction: 0.8,
      moduleAccuracy: expect.closeTo(0.85, 12),
      modelAccuracy: expect.closeTo(0.95, 12),
      accuracyLoss: expect.closeTo(0.1, 12),
      restrictedAccuracy: expect.closeTo(0.75, 12),
      // Without the test labels and the sub-tasks' per-image records: no error.
      accuracyLossSe: null,
    });
    const md = formatReuseMarkdown({
      model: 'simcnn',
      dataset: 'fashion-mnist',
      threshold: 0.9,
      modelFlops: 5e6,
      bySize,
      settings: { epochs: 5, lr: 0.01, validationFraction: 0.1, seed: 0 } as never,
    });
    // The last column: the modules not fine-tuned, (0.8 + 0.7) / 2.
    expect(md).toContain('| 2-class | 2 of 45 | 40.00 | 2.00 | 80.00 | 85.00 | 95.00 | 10.00 | 75.00 |');
    // reuse.json of earlier versions has no such figure per size: a dash.
    const { restrictedAccuracy: _gone, ...older } = bySize[1]!;
    const md2 = formatReuseMarkdown({
      model: 'simcnn',
      dataset: 'fashion-mnist',
      threshold: 0.9,
      modelFlops: 5e6,
      bySize: [{ ...older, restrictedAccuracy: NaN }],
      settings: { epochs: 5, lr: 0.01, validationFraction: 0.1, seed: 0 } as never,
    });
    expect(md2).toContain('| 3-class | 1 of 120 | 60.00 | 3.00 | 70.00 | 70.00 | 70.00 | 0.00 | - |');
    // Results written before the epoch rule was recorded chose by validation accuracy.
    expect(md).toContain('epoch chosen by accuracy on a 10% validation split');
    const withRule = formatReuseMarkdown({
      model: 'simcnn',
      dataset: 'fashion-mnist',
      threshold: 0.9,
      modelFlops: 5e6,
      bySize,
      settings: { epochs: 5, lr: 0.01, validationFraction: 0.1, seed: 0, selectBy: 'loss' } as never,
    });
    expect(withRule).toContain('epoch chosen by loss on a 10% validation split');
    // --epochs 0: no fine-tuning, so no epoch to choose.
    const untuned = formatReuseMarkdown({
      model: 'simcnn',
      dataset: 'fashion-mnist',
      threshold: 0.9,
      modelFlops: 5e6,
      bySize,
      settings: { epochs: 0, lr: 0.01, validationFraction: 0.1, seed: 0, selectBy: 'loss' } as never,
    });
    expect(untuned).toContain(
      "(threshold 0.9, no fine-tuning: each sub-task model is its mixed module's own logits of the classes; seed 0)",
    );
    expect(untuned).not.toContain('epoch chosen');
  });
});

/** Modularity metrics (KRR, cohesion, coupling) on small hand-made sample masks. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { BitMatrix } from '../../src/modularize/bit_matrix.js';
import { modularityMetrics, type BinarySampleMasks } from '../../src/modularize/metrics.js';
import { selectModuleMasks } from '../../src/modularize/module_masks.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

/**
 * Two masked layers, a (3 kernels) and b (2), concatenated as 5 columns.
 * Class 0: 110|10, 110|00, 100|10.  Class 1: 001|01, 001|11.
 */
function handMasks(): BinarySampleMasks {
  const rows = [
    ['11010', '11000', '10010'],
    ['00101', '00111'],
  ];
  const layers = [
    { name: 'a', kernels: 3 },
    { name: 'b', kernels: 2 },
  ];
  const bits = rows.map((cls) => {
    const m = new BitMatrix(5, 1);
    for (const r of cls) m.appendRow(r.split('').map(Number));
    return m;
  });
  const usage = rows.map((cls) => Int32Array.from({ length: 5 }, (_, j) => cls.filter((r) => r[j] === '1').length));
  return { layers, totalKernels: 5, numClasses: 2, samples: [3, 2], usage, bits, accuracy: 1, seconds: 0 };
}

describe('modularityMetrics', () => {
  it('at tau 0.9: modules {a0, b0} and {a2, b1}', () => {
    const masks = handMasks();
    const m = modularityMetrics(masks, selectModuleMasks(masks.layers, masks.usage, masks.samples, 0.9));
    // 2 of 5 kernels each.
    expect(m.kernelRetentionRate).toBeCloseTo(0.4, 12);
    // Disjoint modules.
    expect(m.coupling).toBe(0);
    // Class 0 restricted to columns {0, 3}: 11, 10, 11 -> (1/2 + 1 + 1/2) / 3 = 2/3; class 1: 11, 11 -> 1.
    expect(m.modules.map((x) => x.cohesion)).toEqual([expect.closeTo(2 / 3, 6), expect.closeTo(1, 6)]);
    expect(m.cohesion).toBeCloseTo(5 / 6, 6);
    expect(m.modules.map((x) => x.kernelRate)).toEqual([0.4, 0.4]);
  });

  it('breaks the metrics down per layer', () => {
    const masks = handMasks();
    const m = modularityMetrics(masks, selectModuleMasks(masks.layers, masks.usage, masks.samples, 0.9));
    const [a, b] = m.layers!;
    // Layer a: one kernel of 3 per module, every sample uses it.
    expect(a).toEqual({
      name: 'a',
      kernels: 3,
      kernelRetentionRate: expect.closeTo(1 / 3, 12),
      cohesion: expect.closeTo(1, 6),
      coupling: 0,
    });
    // Layer b, class 0 on b0: {1}, {}, {1} -> pairs 0, 1, 0 -> 1/3; class 1 on b1: 1 -> mean 2/3.
    expect(b).toEqual({ name: 'b', kernels: 2, kernelRetentionRate: 0.5, cohesion: expect.closeTo(2 / 3, 6), coupling: 0 });
    expect(m.modules[0]!.layers).toEqual({
      a: { kernelRate: 1 / 3, cohesion: expect.closeTo(1, 6) },
      b: { kernelRate: 0.5, cohesion: expect.closeTo(1 / 3, 6) },
    });
  });

  it('at tau 0.5: overlapping modules {0,1,3} and {2,3,4}', () => {
    const masks = handMasks();
    const m = modularityMetrics(masks, selectModuleMasks(masks.layers, masks.usage, masks.samples, 0.5), { perLayer: false });
    expect(m.layers).toBeUndefined();
    expect(m.kernelRetentionRate).toBeCloseTo(0.6, 12);
    // Shared kernel 3 of 5 in the union.
    expect(m.coupling).toBeCloseTo(1 / 5, 12);
    expect(m.modules.map((x) => x.coupling)).toEqual([expect.closeTo(0.2, 12), expect.closeTo(0.2, 12)]);
    // Class 0 on {0,1,3}: 111, 110, 101 -> (2/3 + 2/3 + 1/3) / 3 = 5/9; class 1 on {2,3,4}: 101, 111 -> 2/3.
    expect(m.modules[0]!.cohesion).toBeCloseTo(5 / 9, 6);
    expect(m.modules[1]!.cohesion).toBeCloseTo(2 / 3, 6);
    expect(m.cohesion).toBeCloseTo(11 / 18, 6);
  });

  it('needs the bit rows for cohesion', () => {
    const masks = { ...handMasks(), bits: null };
    expect(() => modularityMetrics(masks, selectModuleMasks(masks.layers, masks.usage, masks.samples, 0.9))).toThrow(/keepBits/);
  });

  it('measures 6000 samples x 500 kernels per class with no two rows alike (the worst case for cohesion)', () => {
    // Random masks, no duplicate rows: the worst case for cohesion.
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const layers = [
      { name: 'a', kernels: 250 },
      { name: 'b', kernels: 250 },
    ];
    const bits = new BitMatrix(500);
    const usage = new Int32Array(500);
    const row = new Uint8Array(500);
    for (let i = 0; i < 6000; i++) {
      // Kernel j is used with probability 0.95 for j < 100, else 0.05.
      for (let j = 0; j < 500; j++) row[j] = random() < (j % 250 < 50 ? 0.95 : 0.05) ? 1 : 0;
      bits.appendRow(row);
      for (let j = 0; j < 500; j++) usage[j]! += row[j]!;
    }
    const masks: BinarySampleMasks = {
      layers,
      totalKernels: 500,
      numClasses: 1,
      samples: [6000],
      usage: [usage],
      bits: [bits],
      accuracy: 1,
      seconds: 0,
    };
    const m = modularityMetrics(masks, selectModuleMasks(layers, masks.usage, masks.samples, 0.9), { perLayer: false });
    expect(m.modules[0]!.kernelRate).toBeCloseTo(100 / 500, 1);
    // Two independent rows over ~100 kernels at p=0.95: E[JI] close to 0.95^2 / (1 - 0.05^2) ~ 0.905.
    expect(m.cohesion).toBeGreaterThan(0.85);
    expect(m.cohesion).toBeLessThan(0.95);
  });
});

describe('BitMatrix', () => {
  it('stores rows as bits, grows, and merges identical restricted rows', () => {
    const m = new BitMatrix(10, 1);
    m.appendRow([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    m.appendRow([0, 2, 0, 0, 0, 0, 0, 0, -1, 1]); // > 0 is a 1
    m.appendRow([1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(m.rows).toBe(3);
    expect([m.get(0, 0), m.get(0, 9), m.get(1, 1), m.get(1, 8), m.get(2, 8)]).toEqual([true, true, true, false, true]);
    // Columns 9 and 0: rows 11, 10, 11.
    const d = m.distinctRestrictedRows([9, 0]);
    expect(d.width).toBe(2);
    expect(Array.from(d.unique)).toEqual([1, 1, 1, 0]);
    expect(d.counts).toEqual([2, 1]);
  });
});

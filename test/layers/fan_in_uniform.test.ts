import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { variance } from 'mathjs';
import { initBackend } from '../../src/engine/backend.js';
import { fanInUniform } from '../../src/layers/fan_in_uniform.js';
import { testBackend } from '../support/backend.js';

beforeAll(async () => {
  await initBackend(testBackend('cpu'));
});

describe('fanInUniform', () => {
  it("draws PyTorch's nn.Linear init: uniform in +-1/sqrt(fan_in), variance 1/(3 fan_in)", () => {
    const fanIn = 64;
    const w = fanInUniform(7).apply([fanIn, 500]);
    const values = Array.from(w.dataSync());
    w.dispose();
    const limit = 1 / Math.sqrt(fanIn); // 0.125
    expect(Math.max(...values)).toBeLessThanOrEqual(limit);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-limit);
    // Close to the edges: a narrower init would not reach 0.12 in 32,000 draws.
    expect(Math.max(...values)).toBeGreaterThan(0.12);
    expect(Math.min(...values)).toBeLessThan(-0.12);
    // Within 5% of 1/(3 fan_in) = 0.0052 (He's uniform would be 6x that); seeded, so no flake.
    expect((variance(values, 'uncorrected') as number) * 3 * fanIn).toBeCloseTo(1, 1);
  });

  it('repeats a seeded draw', () => {
    const before = tf.memory().numTensors;
    const a = fanInUniform(3).apply([10, 4]);
    const b = fanInUniform(3).apply([10, 4]);
    const c = fanInUniform(4).apply([10, 4]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

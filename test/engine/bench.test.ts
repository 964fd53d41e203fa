import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { benchCommand } from '../../src/commands/bench.js';
import { profileKernels } from '../../src/engine/kernel_profiler.js';
import { initBackend } from '../../src/engine/backend.js';
import { silentLogger } from '../../src/log/logger.js';
import { UsageError } from '../../src/train/options.js';
import { testBackend } from '../support/backend.js';

describe('mwt bench', () => {
  it('writes the contract JSON for standard and modular training', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-bench-'));
    const file = path.join(dir, 'out', 'bench.json');
    const result = await benchCommand(
      { model: 'simcnn', width: 0.125, batchSize: 4, steps: 2, warmup: 1, json: file, backend: testBackend() },
      silentLogger,
    );
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(json).toMatchObject({ model: 'simcnn', width: 0.125, batchSize: 4, backend: testBackend() });
    for (const form of ['standard', 'modular']) {
      expect(json[form].imagesPerSecond).toBeGreaterThan(0);
      expect(json[form].stepMs).toHaveLength(2);
      // images/s is the batch over the median step time
      expect(json[form].imagesPerSecond).toBeCloseTo(4000 / json[form].medianStepMs, 6);
    }
    expect(result.modularToStandardTime).toBeCloseTo(json.modular.medianStepMs / json.standard.medianStepMs, 6);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a bad option with a one-line usage error', async () => {
    await expect(benchCommand({ model: 'lenet' as never, steps: 1 }, silentLogger)).rejects.toThrow(UsageError);
    await expect(benchCommand({ model: 'vgg16', batchSize: 0 }, silentLogger)).rejects.toThrow(/--batch-size/);
  });
});

describe('profileKernels', () => {
  it('counts each kernel once, with nested kernels in total but not in self time', async () => {
    // A kernel that runs other kernels: Conv2DBackpropFilter (ours, on wasm) runs Transpose and
    // Conv2D (stride 2: stride-1 3x3 convs take the Winograd path, which runs no Conv2D).
    await initBackend('wasm');
    const x = tf.ones([2, 6, 6, 3]) as tf.Tensor4D;
    const dy = tf.ones([2, 3, 3, 4]) as tf.Tensor4D;
    const p = await profileKernels(tf.getBackend(), () => {
      tf.conv2dTranspose(dy, tf.ones([3, 3, 3, 4]) as tf.Tensor4D, [2, 6, 6, 3], 2, 'same').dispose();
      tf.tidy(() => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 2, 'same')))(tf.ones([3, 3, 3, 4])));
    });
    const k = (name: string) => p.kernels.find((e) => e.kernel === name)!;
    expect(k('Conv2DBackpropFilter').calls).toBe(1);
    expect(k('Conv2DBackpropFilter').totalMs).toBeGreaterThanOrEqual(k('Conv2DBackpropFilter').selfMs);
    expect(k('Conv2D').calls).toBeGreaterThanOrEqual(3); // forward + one inside each gradient kernel
    const selfSum = p.kernels.reduce((s, e) => s + e.selfMs, 0);
    expect(selfSum + p.outsideKernelsMs).toBeCloseTo(p.wallMs, 6);
    tf.dispose([x, dy]);
  });
});

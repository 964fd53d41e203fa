/**
 * installSpeedups: each backend gets the speed-ups written for it, initBackend installs them
 * unless told not to, uninstallSpeedups puts tfjs back as published, and a speed-up that cannot
 * be installed is said once on stderr.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { serialization } from '@tensorflow/tfjs-core';
import { initBackend, installSpeedups, uninstallSpeedups, SPEEDUPS } from '../../src/engine/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const engineGradients = () => (tf.engine() as any).gradients as unknown;
const batchNormCall = () =>
  (serialization.SerializationMap.getMap().classNameMap['BatchNormalization']![0] as unknown as { prototype: { call: unknown } }).prototype
    .call;

afterAll(() => installSpeedups('wasm'));

describe('installSpeedups', () => {
  it('installs the wasm speed-ups with the wasm backend, and uninstallSpeedups takes them all out', async () => {
    await initBackend('wasm', { speedups: false });
    uninstallSpeedups();
    const stock = { gradients: engineGradients(), batchNorm: batchNormCall(), identity: tf.getKernel(tf.Identity, 'wasm') };
    await initBackend('wasm');
    expect(engineGradients()).not.toBe(stock.gradients);
    expect(batchNormCall()).not.toBe(stock.batchNorm);
    expect(tf.getKernel(tf.Identity, 'wasm')).not.toBe(stock.identity);
    expect(installSpeedups('wasm')).toEqual(SPEEDUPS.wasm);
    uninstallSpeedups();
    expect(engineGradients()).toBe(stock.gradients);
    expect(batchNormCall()).toBe(stock.batchNorm);
    expect(tf.getKernel(tf.Identity, 'wasm')).toBe(stock.identity);
  });

  it('applies a backend only its own, and says once on stderr which speed-up is missing and what that costs', () => {
    const lines: string[] = [];
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
    try {
      uninstallSpeedups();
      const stock = { gradients: engineGradients(), identity: tf.getKernel(tf.Identity, 'wasm') };
      installSpeedups('cpu');
      expect(tf.getKernel(tf.Identity, 'wasm')).toBe(stock.identity); // wasm kernels on wasm only
      expect(engineGradients()).not.toBe(stock.gradients);
      const installed = installSpeedups('tensorflow');
      installSpeedups('tensorflow');
      expect(engineGradients()).toBe(stock.gradients); // no streaming backward pass on tensorflow
      if (tf.findBackend('tensorflow') != null) return; // its kernels are there to patch: nothing to warn about
      expect(installed).not.toContain('tensorflow-conv-filter-grad');
      const warnings = lines.filter((l) => l.includes('tensorflow-conv-filter-grad'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^mwt: warning: speed-up tensorflow-conv-filter-grad is not installed \(.+\): .*slower/);
    } finally {
      stderr.mockRestore();
      uninstallSpeedups();
    }
  });
});

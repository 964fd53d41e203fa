/**
 * ensureBackend, the backend check every command makes: a tensor op before any initBackend makes
 * tfjs pick its cpu backend lazily, and that must not pass for a choice (a rerun of
 * `mwt experiment trends` once ran its reuse step on cpu that way, many times slower).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ensureBackend } from '../../src/engine/backend.js';

describe('ensureBackend', () => {
  it('replaces the cpu backend tfjs picks lazily before initBackend ran', async () => {
    tf.tidy(() => tf.add(tf.scalar(1), 1)); // any op: tfjs initialises its best registered backend
    expect(tf.getBackend()).toBe('cpu');
    const name = await ensureBackend();
    expect(name).not.toBe('cpu');
    expect(tf.getBackend()).toBe(name);
    if (process.env.MWT_BACKEND) expect(name).toBe(process.env.MWT_BACKEND);
  });

  it('keeps what initBackend chose, and switches when a backend is named', async () => {
    expect(await ensureBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await ensureBackend()).toBe('cpu'); // chosen, so kept
  });
});

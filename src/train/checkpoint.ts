/**
 * Checkpoints: the model, the optimizer's slots and the loop state, in a directory per save.
 * `OUT/checkpoint.json` names the latest complete one and is replaced atomically last, so a run
 * killed at any moment leaves a valid pointer to a complete checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { loadModel, saveModel } from '../io/model_io.js';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { CHECKPOINT_POINTER_FORMAT, CHECKPOINT_STATE_FORMAT, readFormat, writeFormat } from '../io/formats.js';

export interface LoopState {
  /** Epoch in progress (0-based). */
  epoch: number;
  /** Steps of that epoch already taken (0 at an epoch boundary). */
  step: number;
  /** State of the seeded Math.random that drives weight init, dropout and augmentation. */
  rngState: object | null;
  /** Running sums of the epoch in progress (see train.ts). */
  partial: number[] | null;
}

/** The pointer to the latest checkpoint directory, in the run directory. */
export const CHECKPOINT_FILE = 'checkpoint.json';
const POINTER = CHECKPOINT_FILE;

export function hasCheckpoint(runDir: string): boolean {
  return fs.existsSync(path.join(runDir, POINTER));
}

export async function saveCheckpoint(runDir: string, model: LayersModel, optimizer: tf.Optimizer, state: LoopState): Promise<string> {
  const name = `epoch-${String(state.epoch).padStart(4, '0')}-step-${String(state.step).padStart(6, '0')}`;
  const dir = path.join(runDir, 'checkpoints', name);
  fs.rmSync(dir, { recursive: true, force: true });
  await saveModel(model, dir);
  const slots = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(slots);
  // getWeights() returns the slot variables themselves plus a fresh 'iter' scalar: free that one.
  for (const slot of slots) if (slot.name === 'iter') slot.tensor.dispose();
  writeFileAtomic(path.join(dir, 'optimizer.bin'), new Uint8Array(data));
  writeJsonAtomic(path.join(dir, 'optimizer.json'), { specs });
  writeFormat(path.join(dir, 'state.json'), CHECKPOINT_STATE_FORMAT, state);
  const previous = hasCheckpoint(runDir) ? readFormat(path.join(runDir, POINTER), CHECKPOINT_POINTER_FORMAT).dir : null;
  writeFormat(path.join(runDir, POINTER), CHECKPOINT_POINTER_FORMAT, { dir: path.relative(runDir, dir) });
  if (previous && previous !== path.relative(runDir, dir)) fs.rmSync(path.join(runDir, previous), { recursive: true, force: true });
  return dir;
}

export interface LoadedCheckpoint {
  model: LayersModel;
  state: LoopState;
  dir: string;
}

/** Loads the latest checkpoint and restores the optimizer's slots into `optimizer`. */
export async function loadCheckpoint(runDir: string, optimizer: tf.Optimizer): Promise<LoadedCheckpoint> {
  const pointer = path.join(runDir, POINTER);
  if (!fs.existsSync(pointer)) throw new Error(`${runDir}: no checkpoint to resume from (expected ${POINTER})`);
  const dir = path.join(runDir, readFormat(pointer, CHECKPOINT_POINTER_FORMAT).dir);
  const model = await loadModel(dir);
  const { specs } = readJson<{ specs: tf.io.WeightsManifestEntry[] }>(path.join(dir, 'optimizer.json'), 'optimizer state');
  const buf = fs.readFileSync(path.join(dir, 'optimizer.bin'));
  const named = tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), specs);
  await optimizer.setWeights(Object.entries(named).map(([name, tensor]) => ({ name, tensor })));
  tf.dispose(Object.values(named)); // setWeights copied them into the optimizer's own variables
  const state: LoopState = readFormat(path.join(dir, 'state.json'), CHECKPOINT_STATE_FORMAT);
  return { model, state, dir };
}

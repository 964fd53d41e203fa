import { describe, expect, it } from 'vitest';
import { resultSettings } from '../../src/commands/result_settings.js';

describe('resultSettings', () => {
  it('keeps what decides the figures and leaves out where things are and how the command runs', () => {
    const opts = { model: 'simcnn', epochs: 3, seed: 0, json: true, out: 'o', backend: 'wasm', dataDir: 'd', parallel: true };
    expect(resultSettings(opts)).toEqual({ model: 'simcnn', epochs: 3, seed: 0 });
  });

  it("leaves out a command's own inputs when asked, and keeps an undefined setting's key", () => {
    const opts = { run: 'r', standardRun: 's', lr: 0.01, limit: undefined, out: 'o' };
    const settings = resultSettings(opts, 'run', 'standardRun');
    expect(settings).toEqual({ lr: 0.01, limit: undefined });
    expect(Object.keys(settings)).toEqual(['lr', 'limit']);
  });
});

/**
 * Library errors carry their kind and the option they concern (src/errors.ts), so the CLI maps
 * them to exit codes and flags without reading message text; the messages keep the flag first.
 */
import { describe, expect, it } from 'vitest';
import { InputError, MwtError, UsageError } from '../../src/errors.js';
import { exitCodeFor } from '../../src/cli/errors.js';
import { checkThreshold, chosenThreshold } from '../../src/modularize/run.js';
import { sampleSubsets } from '../../src/reuse/subsets.js';
import { buildModel } from '../../models/registry.js';
import { chooseModules } from '../../src/modules/choose.js';
import { setWasmThreads } from '../../src/engine/index.js';

function thrown(f: () => unknown): MwtError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MwtError);
    return e as MwtError;
  }
  throw new Error('expected a throw');
}

describe('library errors: kind and option', () => {
  it.each([
    ['threshold', () => checkThreshold(1.5), UsageError, /^--threshold: expected numbers in \(0, 1\], got 1\.5$/],
    ['threshold', () => chosenThreshold([]), UsageError, /^--threshold: expected at least one value$/],
    ['perSize', () => sampleSubsets(10, 2, 0, 0), UsageError, /^--per-size: expected a positive integer, got 0$/],
    ['threads', () => setWasmThreads(9), UsageError, /^--threads: expected an integer from 1 to 8, got 9$/],
    ['model', () => buildModel('vgg19', { numClasses: 10, inputShape: [32, 32, 3] }), InputError, /^--model: unknown model 'vgg19'/],
    [
      'width',
      () => buildModel('simcnn', { numClasses: 10, inputShape: [28, 28, 1], width: 0 }),
      InputError,
      /^--width: expected a positive/,
    ],
    ['modules', () => chooseModules([], undefined), InputError, /^--modules: expected at least two modules, got 0$/],
  ] as const)('%s', (option, f, kind, message) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(kind);
    expect(e.option).toBe(option);
    expect(e.message).toMatch(message);
    expect(exitCodeFor(e)).toBe(kind === UsageError ? 2 : 1);
  });
});

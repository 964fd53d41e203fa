import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/errors.js';
import { InputError, InterruptedError, OutputError, UsageError } from '../../src/errors.js';

describe('errors carry their kind and subject; the CLI maps the kind to the exit code', () => {
  it('an InputError names the option as the library does, and as the CLI spells it in its message', () => {
    const e = new InputError('standardRun', 'directory runs/x does not exist', 'runs/x');
    expect([e.kind, e.option, e.file, e.message]).toEqual([
      'input',
      'standardRun',
      'runs/x',
      '--standard-run: directory runs/x does not exist',
    ]);
  });

  it('usage 2, input and output 1, interrupted 130, anything else 1', () => {
    expect(exitCodeFor(new UsageError('--width: expected a positive number'))).toBe(2);
    expect(exitCodeFor(new InputError('run', 'directory x does not exist'))).toBe(1);
    expect(exitCodeFor(new OutputError('--out: not writable'))).toBe(1);
    expect(exitCodeFor(new InterruptedError('interrupted'))).toBe(130);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});

/**
 * Options are declared once (src/cli/options.ts): every flag of the CLI comes from a schema
 * field with help, with that field's default, and every such field has its flag.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import type { z } from 'zod';
import { buildProgram } from '../../scripts/cli.js';
import { commandInput, defaultOf, optionArgs, optionHelp } from '../../src/cli/options.js';
import { trainOptionsSchema } from '../../src/train/options.js';
import * as commandOptions from '../../src/commands/options.js';

const SCHEMAS: [string[], z.ZodObject][] = [
  [['train'], trainOptionsSchema],
  [['modularize'], commandOptions.modularizeOptionsSchema],
  [['reuse'], commandOptions.reuseOptionsSchema],
  [['experiment', 'reuse'], commandOptions.experimentReuseOptionsSchema],
  [['experiment', 'trends'], commandOptions.experimentTrendsOptionsSchema],
  [['experiment', 'seeds'], commandOptions.experimentSeedsOptionsSchema],
  [['experiment', 'grid'], commandOptions.experimentGridOptionsSchema],
  [['experiment', 'status'], commandOptions.experimentStatusOptionsSchema],
  [['report'], commandOptions.reportOptionsSchema],
  [['bench'], commandOptions.benchOptionsSchema],
  [['serve'], commandOptions.serveOptionsSchema],
  [['replace'], commandOptions.replaceOptionsSchema],
  [['compose'], commandOptions.composeOptionsSchema],
  [['modules', 'search'], commandOptions.searchOptionsSchema],
];

function command(program: Command, names: string[]): Command {
  return names.reduce((cmd, name) => cmd.commands.find((c) => c.name() === name)!, program);
}

describe('CLI options derived from the schemas', () => {
  const program = buildProgram();
  for (const [names, schema] of SCHEMAS) {
    it(`mwt ${names.join(' ')}: one flag per declared option, with the schema's default`, () => {
      const cmd = command(program, names);
      for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
        const help = optionHelp(field);
        const flag = cmd.options.find((o) => o.attributeName() === key);
        if (help == null) continue; // library-only
        expect(flag, key).toBeDefined();
        const fallback = defaultOf(field);
        if (help.negate) expect(flag!.negate, key).toBe(true);
        else if (typeof fallback !== 'boolean') expect(flag!.defaultValue, key).toEqual(fallback);
        expect(flag!.mandatory, key).toBe(!field.safeParse(undefined).success);
      }
    });
  }

  it('gives each flag of a command its own help, even where two options share a schema', () => {
    for (const [names] of SCHEMAS) {
      const texts = command(program, names).options.map((o) => o.description);
      expect(new Set(texts).size, names.join(' ')).toBe(texts.length);
    }
    const report = command(program, ['report']).helpInformation();
    expect(report).toMatch(/--replace <dir>\s+mwt replace output directory/);
    expect(report).toMatch(/--compose <dir>\s+mwt compose output directory/);
  });

  it("writes a command's input back as flags that parse to the same input (a run started in a child process)", async () => {
    const input = {
      model: 'resnet18',
      dataset: 'cifar10',
      dataDir: '/data/cifar 10',
      out: 'runs/x',
      epochs: 30,
      width: 0.5,
      beta: 2.2,
      maskLossMean: 'pairs',
      limit: 8000,
      seed: 1,
      standard: true,
      resume: false,
      augment: false,
      backend: 'wasm',
    } as const;
    const args = optionArgs(input, trainOptionsSchema.shape);
    expect(args).toContain('--no-augment');
    expect(args).not.toContain('--resume'); // false: the switch's default, no flag
    let parsed: Record<string, unknown> = {};
    const again = buildProgram();
    command(again, ['train']).action((o) => void (parsed = o));
    await again.parseAsync(['node', 'mwt', 'train', ...args]);
    const { resume: _resume, ...given } = input;
    expect(commandInput(parsed, trainOptionsSchema)).toMatchObject(given);
    expect(() => optionArgs({ augment: true }, trainOptionsSchema.shape)).toThrow(/augment: true cannot be given on the command line/);
    expect(() => optionArgs({ momentum: 0.8 }, trainOptionsSchema.shape)).toThrow(/momentum has no command-line flag/);
  });

  it("writes a sweep's sizes as MIN-MAX, and its worker's hidden flag, so the child parses the same sweep", async () => {
    const schema = commandOptions.experimentReuseOptionsSchema;
    const input = { run: 'runs/m', standardRun: 'runs/s', sizes: [2, 5], perSize: 2, out: 'runs/x', worker: true } as const;
    const args = optionArgs(input, schema.shape);
    expect(args.slice(args.indexOf('--sizes'), args.indexOf('--sizes') + 2)).toEqual(['--sizes', '2-5']);
    expect(args).toContain('--worker');
    let parsed: Record<string, unknown> = {};
    const again = buildProgram();
    command(again, ['experiment', 'reuse']).action((o) => void (parsed = o));
    await again.parseAsync(['node', 'mwt', 'experiment', 'reuse', ...args]);
    expect(commandInput(parsed, schema)).toMatchObject(input);
    // A flag for mwt's own child process, not for users: parsed, but not in --help.
    const help = command(program, ['experiment', 'reuse']).helpInformation();
    expect(help).toMatch(/--parallel\s+fine-tune two sub-tasks at a time/);
    expect(help).not.toContain('--worker');
  });

  it('shows the defaults in --help', () => {
    const help = command(program, ['train']).helpInformation();
    expect(help).toMatch(/--epochs <n>\s+epochs \(paper: 200\) \(default: 200\)/);
    expect(help).toMatch(/--width <x>\s+channel multiplier [^-]*\(default: 1\)/);
    expect(command(program, ['reuse']).helpInformation()).toMatch(/--threshold <tau>\s+module threshold in \(0,1\] \(default: 0\.9\)/);
  });
});

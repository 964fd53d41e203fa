/**
 * CLI wiring of the commands beyond `train`: each entry adds one subcommand to the program and
 * forwards its parsed options to the library function of the same name in src/commands.
 */
import type { Command } from 'commander';
import { createProgress } from '../src/cli/progress.js';
import { modularizeCommand, parseThresholds } from '../src/commands/modularize.js';
import { reportCommand } from '../src/commands/report.js';

export type AddCommand = (program: Command, common: (cmd: Command) => Command) => void;

const collect = (value: string, previous: string[] = []) => [...previous, value];

const modularize: AddCommand = (program, common) =>
  common(
    program
      .command('modularize')
      .description('cut a trained modular run into per-class modules (RUN/modules/) and report KRR, cohesion and coupling')
      .requiredOption('--run <dir>', 'run directory written by mwt train')
      .option('--threshold <tau>', 'kernel frequency threshold in (0,1], or a comma-separated list to sweep', parseThresholds, 0.9)
      .option('--keep-generators', 'keep the mask generators in the modules (exactly the modular computation)')
      .option('--batch-size <n>', 'inference batch size', (v) => Number(v), 256),
  ).action(async (o) => {
    const log = createProgress({ quiet: o.quiet || o.json });
    await modularizeCommand({ run: o.run, threshold: o.threshold, keepGenerators: o.keepGenerators === true, json: o.json === true, backend: o.backend, batchSize: o.batchSize }, log);
  });

const report: AddCommand = (program, common) =>
  common(
    program
      .command('report')
      .description('write a self-contained HTML report (RUN/report.html): curves, kernels per class and layer, sweeps, reuse')
      .requiredOption('--run <dir>', 'run directory written by mwt train')
      .option('--standard-run <dir>', 'a standard run to draw beside the modular one')
      .option('--reuse <path>', 'reuse output directory or JSON (repeatable)', collect)
      .option('--out <file>', 'output file (default RUN/report.html)'),
  ).action(async (o) => {
    const log = createProgress({ quiet: o.quiet || o.json });
    const written = await reportCommand({ run: o.run, standardRun: o.standardRun, reuse: o.reuse, out: o.out }, log);
    if (o.json) process.stdout.write(JSON.stringify({ file: written.file, charts: written.charts }) + '\n');
  });

export const commandModules: AddCommand[] = [modularize, report];

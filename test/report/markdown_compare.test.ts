/**
 * `mwt report --compare ... --markdown FILE`: the compared runs as Markdown tables, with the
 * epochs and cells worked out by hand, and the option refused where it has nothing to compare.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.js';
import { silentLogger } from '../../src/log/logger.js';
import type { ComparedRun } from '../../src/report/compare.js';
import { comparisonMarkdown, tableEpochs } from '../../src/report/markdown_compare.js';
import { tempDir } from './page.js';
import * as fake from './fake_run.js';

describe('tableEpochs', () => {
  it('shows the first and last epoch and three between them', () => {
    expect(tableEpochs(30)).toEqual([1, 5, 10, 20, 30]);
    expect(tableEpochs(200)).toEqual([1, 33, 67, 133, 200]);
    expect(tableEpochs(3)).toEqual([1, 2, 3]); // 0.5, 1 and 2 round to 1, 1, 2
    expect(tableEpochs(1)).toEqual([1]);
    expect(tableEpochs(0)).toEqual([]);
  });
});

const run = (over: Partial<ComparedRun>): ComparedRun => ({
  dir: '/runs/x',
  name: 'x',
  label: 'x',
  settings: {},
  metrics: [],
  modules: null,
  ...over,
});

/** The cells of the table row that starts with `label`, after the heading `heading`. */
function row(md: string, heading: string, label: string): string[] {
  const after = md.slice(md.indexOf(heading));
  const line = after.split('\n').find((l) => l.startsWith(`| ${label} |`));
  expect(line, `${heading} / ${label}`).toBeDefined();
  return line!.slice(2, -2).split(' | ');
}

describe('comparisonMarkdown', () => {
  const a = run({
    name: 'r18-a0.3',
    label: 'alpha 0.3',
    metrics: [
      { epoch: 1, testAccuracy: 0.353, cohesionLoss: 0.0251, couplingLoss: 0.968, kernelRate: 0.92 },
      { epoch: 2, testAccuracy: 0.4, cohesionLoss: 0.03, couplingLoss: 0.95, kernelRate: 0.9 },
      { epoch: 3, testAccuracy: 0.684, cohesionLoss: 0.135, couplingLoss: 0.66, kernelRate: 0.607 },
    ] as never[],
    modules: { threshold: 0.9, kernelRetentionRate: 0.4307, cohesion: 0.9412, coupling: 0.4141 },
  });
  // Stopped after two epochs, not modularized, with a pipe in its label.
  const b = run({
    name: 'b',
    label: 'beta 2 | late',
    metrics: [
      { epoch: 1, testAccuracy: 0.3, cohesionLoss: 0.02, couplingLoss: 0.97, kernelRate: 0.95 },
      { epoch: 2, testAccuracy: 0.5, cohesionLoss: 0.1, couplingLoss: 0.5, kernelRate: 0.5 },
    ] as never[],
  });
  const md = comparisonMarkdown([a, b]);

  it("puts each run's last epoch and modules in one row, a dash where it has none", () => {
    expect(row(md, '## Runs compared', 'alpha 0.3')).toEqual([
      'alpha 0.3',
      '`r18-a0.3`',
      '3',
      '68.40%',
      '0.135',
      '0.660',
      '60.7%',
      '0.90',
      '43.07%',
      '0.941',
      '0.414',
    ]);
    expect(row(md, '## Runs compared', 'beta 2 \\| late')).toEqual([
      'beta 2 \\| late',
      '`b`',
      '2',
      '50.00%',
      '0.100',
      '0.500',
      '50.0%',
      '\u2013',
      '\u2013',
      '\u2013',
      '\u2013',
    ]);
  });

  it('shows every measure at the epochs of the longest run, in the paper’s order', () => {
    const headings = [...md.matchAll(/^### (.*)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'Coupling loss, per epoch',
      'Cohesion loss, per epoch',
      'Test accuracy, per epoch',
      'Kernels used per image, per epoch',
    ]);
    expect(md).toContain('| run | ep. 1 | ep. 2 | ep. 3 |\n|---|---:|---:|---:|');
    expect(row(md, '### Cohesion loss', 'alpha 0.3')).toEqual(['alpha 0.3', '0.025', '0.030', '0.135']);
    expect(row(md, '### Test accuracy', 'beta 2 \\| late')).toEqual(['beta 2 \\| late', '30.00%', '50.00%', '\u2013']);
    expect(row(md, '### Kernels used', 'alpha 0.3')).toEqual(['alpha 0.3', '92.0%', '90.0%', '60.7%']);
  });
});

describe('report --markdown', async () => {
  const root = tempDir();
  const { run: modular } = fake.writeFakeRuns(root);
  const other = fake.writeComparedRun(root);

  it('writes the --compare runs as Markdown beside the page', async () => {
    const file = path.join(root, 'tables', 'compare.md');
    await reportCommand({ run: modular, compare: [other], out: path.join(root, 'page.html'), markdown: file }, silentLogger);
    const md = fs.readFileSync(file, 'utf8');
    expect(row(md, '## Runs compared', 'alpha 0.5')[1]).toBe('`modular`');
    expect(row(md, '### Coupling loss', 'alpha 0.3')).toEqual(['alpha 0.3', '0.850', '0.500', '\u2013']);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['compare.md']); // no temporary file left
  });

  it('is refused without a run to compare, before anything is written', async () => {
    const out = path.join(root, 'never.html');
    await expect(reportCommand({ run: modular, out, markdown: path.join(root, 'never.md') }, silentLogger)).rejects.toThrow(
      /^--markdown: the tables compare runs; give at least one --compare run$/,
    );
    await expect(reportCommand({ run: modular, compare: [other], out, markdown: root }, silentLogger)).rejects.toThrow(
      /^--markdown: .* is a directory \(expected a file name\)$/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});

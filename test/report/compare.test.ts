/**
 * `mwt report --compare`: runs named by the settings that differ between them (worked out by
 * hand), their last epoch and modules in one table, one chart per measure, and paths that are not
 * runs refused naming the option.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.js';
import { silentLogger } from '../../src/log/logger.js';
import { comparisonLabels, lastValue } from '../../src/report/compare.js';
import { chartIds, embeddedData, tempDir } from './page.js';
import * as fake from './fake_run.js';

describe('comparisonLabels', () => {
  it('names each run by the settings that differ, in a fixed order', () => {
    const settings = [
      { model: 'simcnn', alpha: 0.5, beta: 1.5, seed: 0 },
      { model: 'simcnn', alpha: 0.3, beta: 1.5, seed: 0 },
      { model: 'simcnn', alpha: 0.5, beta: 2, seed: 0 },
    ];
    expect(comparisonLabels(settings, ['a', 'b', 'c'])).toEqual(['alpha 0.5, beta 1.5', 'alpha 0.3, beta 1.5', 'alpha 0.5, beta 2']);
  });

  it('says standard or modular, and kebab-cases options', () => {
    const settings = [
      { standard: false, maskLrFactor: 2 },
      { standard: true, maskLrFactor: 2 },
      { standard: false, maskLrFactor: 1 },
    ];
    expect(comparisonLabels(settings, ['m', 's', 'old'])).toEqual([
      'modular, mask-lr-factor 2',
      'standard, mask-lr-factor 2',
      'modular, mask-lr-factor 1',
    ]);
  });

  it('names a run by a setting it did not record only where the recorded values differ', () => {
    // A run from before 2026-12-05 beside one that records the same init: nothing to tell.
    expect(comparisonLabels([{ alpha: 0.5 }, { alpha: 0.3, classifierInit: 'heNormal' }], ['old', 'new'])).toEqual([
      'alpha 0.5',
      'alpha 0.3',
    ]);
    expect(comparisonLabels([{}, { classifierInit: 'heNormal' }, { classifierInit: 'fanInUniform' }], ['a', 'b', 'c'])).toEqual([
      'classifier-init unrecorded',
      'classifier-init heNormal',
      'classifier-init fanInUniform',
    ]);
  });

  it('falls back to the directory names where the settings are the same', () => {
    expect(comparisonLabels([{ seed: 0 }, { seed: 0 }], ['zen5', 'avx2'])).toEqual(['zen5', 'avx2']);
    expect(comparisonLabels([{ seed: 0 }, { seed: 0 }, { seed: 1 }], ['x', 'y', 'z'])).toEqual(['seed 0 (x)', 'seed 0 (y)', 'seed 1']);
    // Settings outside the compared list (where the data lives, quiet) never name a run.
    expect(
      comparisonLabels(
        [
          { dataDir: '/a', seed: 0 },
          { dataDir: '/b', seed: 0 },
        ],
        ['p', 'q'],
      ),
    ).toEqual(['p', 'q']);
  });

  it("takes a measure's last epoch that has it", () => {
    const metrics = [
      { epoch: 1, testAccuracy: 0.5, kernelRate: 0.9 },
      { epoch: 2, testAccuracy: 0.6 },
    ] as never[];
    expect(lastValue(metrics, 'testAccuracy')).toBe(0.6);
    expect(lastValue(metrics, 'kernelRate')).toBe(0.9);
    expect(lastValue(metrics, 'couplingLoss')).toBeNull();
  });
});

describe('report with --compare', async () => {
  const root = tempDir();
  const { run, standardRun } = fake.writeFakeRuns(root);
  const other = fake.writeComparedRun(root);
  const written = await reportCommand({ run, compare: [other, standardRun], out: path.join(root, 'compare.html') }, silentLogger);
  const html = fs.readFileSync(written.file, 'utf8');
  const data = embeddedData(html);
  const section = html.slice(html.indexOf('<section id="compare">'), html.indexOf('</section>', html.indexOf('<section id="compare">')));

  it('embeds RUN first, then the others, each labelled and with its curves and modules', () => {
    expect(data.compared!.map((r) => r.label)).toEqual(['modular, alpha 0.5', 'modular, alpha 0.3', 'standard, alpha 0.5']);
    expect(data.compared!.map((r) => r.name)).toEqual(['modular', 'alpha-0.3', 'standard']);
    expect(data.compared![0]!.metrics).toEqual(fake.MODULAR_METRICS);
    expect(data.compared![1]!.metrics).toEqual(fake.ALPHA_03_METRICS);
    expect(data.compared![0]!.modules).toEqual({ threshold: 0.9, kernelRetentionRate: fake.KRR, cohesion: 0.93, coupling: 0.21 });
    expect(data.compared![1]!.modules).toBeNull();
    // The fake runs record no --mask-lr-factor: they are read as runs from before it existed.
    expect(data.compared![0]!.settings).toMatchObject({
      model: 'simcnn',
      standard: false,
      alpha: 0.5,
      maskLrFactor: 1,
      maskLossMean: 'classes',
    });
  });

  it("shows each run's last epoch and its modules in a table, a dash where it has none", () => {
    const rows = [...section.matchAll(/<tr><th scope="row">([^<]*)<\/th>(.*?)<\/tr>/g)].map((m) => [
      m[1],
      ...[...m[2]!.matchAll(/<td>(?:<code>)?([^<]*)/g)].map((c) => c[1]),
    ]);
    const last = fake.MODULAR_METRICS[fake.MODULAR_METRICS.length - 1]!;
    expect(rows[0]).toEqual([
      'modular, alpha 0.5',
      'modular',
      String(fake.MODULAR_METRICS.length),
      `${(last.testAccuracy * 100).toFixed(2)}%`,
      last.cohesionLoss.toFixed(3),
      last.couplingLoss.toFixed(3),
      `${(last.kernelRate * 100).toFixed(1)}%`,
      '0.90',
      `${(fake.KRR * 100).toFixed(2)}%`,
      '0.930',
      '0.210',
    ]);
    expect(rows[1]).toEqual([
      'modular, alpha 0.3',
      'alpha-0.3',
      '2',
      '70.00%',
      '0.070',
      '0.500',
      '60.0%',
      '\u2013',
      '\u2013',
      '\u2013',
      '\u2013',
    ]);
    expect(rows[2]![0]).toBe('standard, alpha 0.5');
  });

  it('places one chart per measure, in the paper’s order, after the training curves', () => {
    const ids = chartIds(html);
    const compare = ids.filter((id) => id.startsWith('chart-compare-'));
    expect(compare).toEqual([
      'chart-compare-couplingLoss',
      'chart-compare-cohesionLoss',
      'chart-compare-testAccuracy',
      'chart-compare-kernelRate',
    ]);
    expect(ids.indexOf('chart-compare-couplingLoss')).toBeGreaterThan(ids.indexOf('chart-testAccuracy'));
  });

  it('leaves the section out without --compare', async () => {
    const plain = await reportCommand({ run, out: path.join(root, 'plain.html') }, silentLogger);
    const page = fs.readFileSync(plain.file, 'utf8');
    expect(page).not.toContain('<section id="compare">');
    expect(embeddedData(page).compared).toBeNull();
  });

  it('refuses a path that is not a run, naming --compare and the file', async () => {
    await expect(reportCommand({ run, compare: path.join(root, 'missing') }, silentLogger)).rejects.toThrow(
      /^--compare: directory .*missing does not exist$/,
    );
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    await expect(reportCommand({ run, compare: [empty] }, silentLogger)).rejects.toThrow(
      /^--compare: .*empty[/\\]run\.json not found \(expected a run directory written by mwt train\)$/,
    );
    const untrained = path.join(root, 'untrained');
    fs.mkdirSync(untrained);
    fs.copyFileSync(path.join(other, 'run.json'), path.join(untrained, 'run.json'));
    await expect(reportCommand({ run, compare: [untrained] }, silentLogger)).rejects.toThrow(
      /^--compare: .*untrained[/\\]metrics\.jsonl not found$/,
    );
  });
});

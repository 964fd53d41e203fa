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
import { comparisonLabels, distinctNames, lastValue, meanOverSeeds } from '../../src/report/compare.js';
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

describe('distinctNames', () => {
  it('names each directory by the shortest ending that tells it from the others', () => {
    expect(distinctNames(['/runs/grid/a1-b2-s0', '/runs/grid/a1-b3-s0'])).toEqual(['a1-b2-s0', 'a1-b3-s0']);
    // What mwt experiment trends writes: OUT/modular in each experiment.
    expect(distinctNames(['/runs/trends-s0/modular', '/runs/trends-s1/modular', '/runs/trends-s1/standard'])).toEqual([
      'trends-s0/modular',
      'trends-s1/modular',
      'trends-s1/standard',
    ]);
    expect(distinctNames(['/a/x/run', '/b/x/run'])).toEqual(['a/x/run', 'b/x/run']);
    // One directory given twice is one run: its base name is enough.
    expect(distinctNames(['/runs/m', '/runs/m/', '/runs/s'])).toEqual(['m', 'm', 's']);
    expect(distinctNames(['/runs/only'])).toEqual(['only']);
  });
});

describe('meanOverSeeds', () => {
  const point = (epoch: number, testAccuracy: number, couplingLoss?: number) =>
    ({ formatVersion: 1, epoch, trainAccuracy: 0.5, testAccuracy, ceLoss: 1, ...(couplingLoss != null ? { couplingLoss } : {}) }) as never;
  const run = (name: string, alpha: number, seed: number, metrics: never[], krr: number | null) => ({
    dir: `/runs/${name}`,
    name,
    settings: { model: 'simcnn', alpha, seed },
    metrics,
    modules: krr == null ? null : { threshold: 0.9, kernelRetentionRate: krr, cohesion: 0.9, coupling: krr / 2 },
  });

  it('draws runs that differ only in their seed as one line: per-epoch means over the epochs all reached, modules averaged', () => {
    const runs = [
      run('a3-s0', 0.3, 0, [point(1, 0.4, 0.9), point(2, 0.6, 0.5)], 0.5),
      run('a5-s0', 0.5, 0, [point(1, 0.5, 0.8)], 0.4),
      run('a3-s1', 0.3, 1, [point(1, 0.5, 0.7), point(2, 0.7, 0.3), point(3, 0.8, 0.2)], 0.3),
    ];
    const [a3, a5] = meanOverSeeds(runs);
    expect(a3!.name).toBe('a3-s0, a3-s1');
    expect(a3!.seeds).toEqual([0, 1]);
    expect(a3!.settings).toEqual({ model: 'simcnn', alpha: 0.3 });
    // Epoch 3 is only seed 1's: left out.
    expect(a3!.metrics.map((m) => [m.epoch, m.testAccuracy, m.couplingLoss])).toEqual([
      [1, expect.closeTo(0.45, 12), expect.closeTo(0.8, 12)],
      [2, expect.closeTo(0.65, 12), expect.closeTo(0.4, 12)],
    ]);
    expect(a3!.modules).toEqual({
      threshold: 0.9,
      kernelRetentionRate: expect.closeTo(0.4, 12),
      cohesion: 0.9,
      coupling: expect.closeTo(0.2, 12),
    });
    expect(a5).toBe(runs[1]); // no seed-mate: as it was
  });

  it('keeps a measure only where every seed recorded it, and no modules unless every seed has them at one threshold', () => {
    const [only] = meanOverSeeds([run('s0', 0.5, 0, [point(1, 0.4, 0.9)], 0.5), run('s1', 0.5, 1, [point(1, 0.6)], null)]);
    expect(only!.metrics[0]!.testAccuracy).toBeCloseTo(0.5, 12);
    expect(only!.metrics[0]!.couplingLoss).toBeUndefined(); // seed 1 has none: no mean of seed 0 alone
    expect(only!.modules).toBeNull();
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

  it('with --mean-over-seeds draws runs that differ only in their seed as one line, their mean', async () => {
    const seed1 = path.join(root, 'alpha-0.3-seed-1');
    fs.mkdirSync(seed1);
    const info = JSON.parse(fs.readFileSync(path.join(other, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(seed1, 'run.json'), JSON.stringify({ ...info, options: { ...info.options, seed: 1 } }));
    const metrics = fake.ALPHA_03_METRICS.map((m) => ({ ...m, testAccuracy: m.testAccuracy + 0.1 }));
    fs.writeFileSync(path.join(seed1, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
    const means = await reportCommand(
      { run, compare: [other, seed1], meanOverSeeds: true, out: path.join(root, 'means.html') },
      silentLogger,
    );
    const page = fs.readFileSync(means.file, 'utf8');
    const compared = embeddedData(page).compared!;
    expect(compared.map((r) => r.label)).toEqual(['alpha 0.5', 'alpha 0.3 (mean of seeds 0, 1)']);
    expect(compared[1]!.metrics.map((m) => m.testAccuracy)).toEqual([expect.closeTo(0.6, 12), expect.closeTo(0.75, 12)]);
    expect(page).toContain('A line marked "mean of seeds" stands for runs that differ only in their seed');
    // Seed-mates in same-named folders (OUT/modular of two trends runs) are named by their parents.
    const twin = path.join(root, 'twin', path.basename(seed1));
    fs.cpSync(seed1, twin, { recursive: true });
    const twins = await reportCommand(
      { run: seed1, compare: [twin], meanOverSeeds: true, out: path.join(root, 'twins.html') },
      silentLogger,
    );
    const pair = embeddedData(fs.readFileSync(twins.file, 'utf8')).compared!;
    expect(pair.map((r) => r.name)).toEqual([`${path.basename(root)}/alpha-0.3-seed-1, twin/alpha-0.3-seed-1`]);
    await expect(reportCommand({ run, meanOverSeeds: true }, silentLogger)).rejects.toThrow(
      /^--mean-over-seeds: .*give them with --compare$/,
    );
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

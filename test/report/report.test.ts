/**
 * The report page's content, checked without a browser: the embedded JSON equals the run's
 * files, the heatmap fractions are worked out by hand, nothing points at the network, run
 * strings are escaped, and missing or broken inputs become notes instead of errors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.js';
import { silentLogger } from '../../src/log/logger.js';
import { UsageError } from '../../src/train/options.js';
import { escapeHtml, jsonForScript } from '../../src/report/escape.js';
import { buildKernelHeatmap, convFiltersFromModelJson } from '../../src/report/data.js';
import { chartIds, embeddedData, tempDir } from './page.js';
import * as fake from './fake_run.js';

const root = tempDir();
const { run, standardRun, cards } = fake.writeFakeRuns(root);

describe('report page from a complete run', async () => {
  const written = await reportCommand({ run, standardRun }, silentLogger);
  const html = fs.readFileSync(written.file, 'utf8');
  const data = embeddedData(html);

  it('is written to RUN/report.html', () => {
    expect(written.file).toBe(path.join(run, 'report.html'));
  });

  it('embeds the run files unchanged', () => {
    expect(data.curves.run).toEqual(fake.MODULAR_METRICS);
    expect(data.curves.runLabel).toBe('modular');
    expect(data.curves.standard).toEqual(fake.STANDARD_METRICS);
    expect(data.run.summary).toEqual(fake.MODULAR_SUMMARY);
    expect(data.run.info).toEqual(fake.RUN_INFO);
    expect(data.sweep).toEqual(fake.SWEEP);
    // modules.json minus the per-module masks, which the page does not draw.
    expect(data.modules).toEqual({ ...fake.MODULES, modules: fake.MODULES.modules.map(({ mask: _, ...m }) => m) });
    expect(data.reuse).toEqual([
      { name: 'reuse-0-2', path: path.join(run, 'reuse-0-2'), summary: fake.REUSE_SUMMARY, experiments: null, card: cards[3] },
      { name: 'reuse-experiment', path: path.join(run, 'reuse-experiment'), summary: null, experiments: fake.REUSE_EXPERIMENT, card: null },
    ]);
    expect(data.notes).toEqual({});
  });

  it('computes the kept fraction per class and layer from the layer counts in modules.json', () => {
    expect(data.heatmap).toEqual({
      layers: ['conv1', 'conv2'],
      totals: [16, 32],
      totalsSource: 'modules.json',
      rows: [
        {
          class: 0,
          className: 'top',
          kernelRate: 0.25,
          cohesion: 0.91,
          coupling: 0.2,
          kept: [4, 8],
          fraction: [4 / 16, 8 / 32],
          lowered: [false, false],
        },
        {
          class: 1,
          className: 'trouser',
          kernelRate: 0.5,
          cohesion: 0.95,
          coupling: 0.2,
          kept: [8, 16],
          fraction: [0.5, 0.5],
          lowered: [false, false],
        },
        {
          class: 2,
          className: fake.CLASS_NAMES[2],
          kernelRate: 2 / 48,
          cohesion: 0.93,
          coupling: 0.1,
          kept: [1, 1],
          fraction: [1 / 16, 1 / 32],
          lowered: [true, true],
        },
      ],
    });
    expect(html).toContain('<span class="pct">25%</span><span class="cnt">4/16</span>');
    // Lowered thresholds are starred; the footer row is the mean over modules, (4+8+1)/48 for conv1.
    expect(html).toContain('<span class="pct">6%*</span><span class="cnt">1/16</span>');
    expect(html).toContain(`<td>${(((4 + 8 + 1) / 48) * 100).toFixed(0)}%</td>`);
  });

  it('computes the Jaccard overlap of every pair of modules from their masks', () => {
    expect(data.overlap).toEqual({
      classNames: fake.CLASS_NAMES,
      jaccard: [
        [1, 10 / 26, 0],
        [10 / 26, 1, 0],
        [0, 0, 1],
      ],
    });
    expect(html).toContain('>0.38</td>');
  });

  it('falls back to the Conv2D filter counts of model.json when modules.json has no layer list', () => {
    const { layers: _l, maskedKernels: _m, ...bare } = fake.MODULES;
    const filters = convFiltersFromModelJson(path.join(run, 'model', 'model.json'))!;
    expect([...filters]).toEqual([
      ['conv0', 8],
      ['conv1', 16],
      ['conv2', 32],
    ]);
    const h = buildKernelHeatmap(bare, filters);
    expect(h.totalsSource).toBe('model.json');
    expect(h.layers).toEqual(['conv1', 'conv2']);
    expect(h.rows[1]!.fraction).toEqual([0.5, 0.5]);
    // No counts anywhere: kept counts only, fractions unknown.
    const unknown = buildKernelHeatmap(bare, null);
    expect(unknown.totalsSource).toBeNull();
    expect(unknown.rows[0]!.fraction).toEqual([null, null]);
  });

  it('places one canvas per chart: six curves, the sweep, accuracy and cost of the reuse', () => {
    expect(chartIds(html)).toEqual([
      'chart-testAccuracy',
      'chart-trainAccuracy',
      'chart-couplingLoss',
      'chart-cohesionLoss',
      'chart-kernelRate',
      'chart-ceLoss',
      'chart-sweep',
      'chart-reuse-accuracy-0',
      'chart-reuse-cost-0',
      'chart-reuse-sizes-1',
    ]);
    expect(written.charts).toBe(10);
  });

  it('shows the summary numbers in the header', () => {
    expect(html).toContain('<div class="value">81.00%</div><div class="label">modular model accuracy</div>');
    expect(html).toContain('<div class="value">83.00%</div><div class="label">standard model accuracy</div>');
    expect(html).toContain('<div class="value">26.4%</div><div class="label">kernel retention rate</div>');
    expect(html).toContain('<tr><th scope="row">seconds per epoch</th><td>11.0 (280.0 images/s)</td></tr>');
    expect(html).toContain('<tr><th scope="row">backend</th><td>wasm</td></tr>');
  });

  it('needs no network: Chart.js is inline and nothing is loaded from a URL', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]+\bsrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(https?:)?\/\//i);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toContain('sourceMappingURL');
  });

  it('escapes run strings everywhere', () => {
    expect(html).not.toContain(fake.CLASS_NAMES[2]);
    expect(html).toContain('<th scope="row">&lt;b&gt;&amp;&quot;bag&quot;&lt;/b&gt;</th>');
  });
});

describe('report page from an unfinished run', () => {
  it('leaves out what is missing, with a note, and still draws the curves', async () => {
    const dir = path.join(tempDir(), 'partial');
    fs.mkdirSync(path.join(dir, 'modules'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'metrics.jsonl'),
      fake.MODULAR_METRICS.slice(0, 2)
        .map((m) => JSON.stringify(m))
        .join('\n') + '\n',
    );
    fs.writeFileSync(path.join(dir, 'modules', 'modules.json'), '{"threshold": 0.9, "modules": "oops"}');
    const written = await reportCommand({ run: dir }, silentLogger);
    const html = fs.readFileSync(written.file, 'utf8');
    const data = embeddedData(html);
    expect(data.curves.run).toEqual(fake.MODULAR_METRICS.slice(0, 2));
    expect(data.modules).toBeNull();
    expect(data.heatmap).toBeNull();
    expect(data.sweep).toBeNull();
    expect(data.reuse).toEqual([]);
    expect(Object.keys(data.notes).sort()).toEqual(['modules', 'reuse', 'standard', 'summary', 'sweep']);
    expect(data.notes.modules).toContain('modules.json: not a valid modules file (kernelRetentionRate:');
    expect(html).toContain('No modules yet');
    expect(html).toContain('No standard run given');
    expect(chartIds(html)).toHaveLength(6);
  });

  it('reports a bad metrics line by file and line number', async () => {
    const dir = path.join(tempDir(), 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify(fake.MODULAR_METRICS[0]) + '\n{"epoch": 2, trunc\n');
    const { data, charts } = await reportCommand({ run: dir }, silentLogger);
    expect(data.curves.run).toBeNull();
    expect(data.notes.curves).toBe(`No training curves: ${path.join(dir, 'metrics.jsonl')}: line 2 is not valid JSON.`);
    expect(charts).toBe(0);
  });

  it('takes --reuse paths and an --out directory', async () => {
    const out = tempDir();
    const table = path.join(out, 'table.json');
    fs.writeFileSync(table, JSON.stringify([{ classes: '0,1', accuracy: 0.95 }]));
    const { file, data } = await reportCommand({ run, reuse: [table, path.join(run, 'reuse-0-2', 'summary.json')], out }, silentLogger);
    expect(file).toBe(path.join(out, 'report.html'));
    // RUN/reuse-* are found by themselves; a summary-shaped file is a summary, anything else a table.
    expect(data.reuse.map((r) => [r.name, r.summary != null, r.experiments != null])).toEqual([
      ['reuse-0-2', true, false],
      ['reuse-experiment', false, true],
      ['table.json', false, true],
      ['summary.json', true, false],
    ]);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('<th scope="col">classes</th><th scope="col">accuracy</th>');
  });

  it('a sub-task model not fine-tuned (mwt reuse --epochs 0) is shown as one accuracy, with no before and after', async () => {
    const out = tempDir();
    const untuned = path.join(out, 'untuned.json');
    const same = { restrictedAccuracy: 0.95, accuracyBeforeFineTune: 0.95, accuracy: 0.95 };
    fs.writeFileSync(untuned, JSON.stringify({ ...fake.REUSE_SUMMARY, ...same, fineTune: { epochs: 0, history: [] } }));
    const { file } = await reportCommand({ run, reuse: [untuned], out }, silentLogger);
    const html = fs.readFileSync(file, 'utf8');
    const untunedEntry = html.slice(html.indexOf('<h3 class="entry">untuned.json</h3>'));
    expect(untunedEntry).toContain('95.00% (their own outputs, not fine-tuned: --epochs 0)');
    expect(untunedEntry.slice(0, untunedEntry.indexOf('</article>'))).not.toContain('before fine-tuning');
    // The fine-tuned sub-task of the same run keeps its before and after.
    expect(html.slice(html.indexOf('<h3 class="entry">reuse-0-2</h3>'))).toContain('before fine-tuning');
  });

  it('a reuse experiment with the modules not fine-tuned per size gets that column; one without, none', async () => {
    const out = tempDir();
    const sizes = path.join(out, 'sizes.json');
    const [three, two] = fake.REUSE_EXPERIMENT.bySize;
    const bySize = [
      { ...three, restrictedAccuracy: 0.81, accuracyLossSe: 0.0123 },
      { ...two, restrictedAccuracy: 0.9 },
    ];
    // A sub-task's per-image record (test-set indices) shows as its two counts, not as the indices.
    const subtasks = [{ ...fake.REUSE_EXPERIMENT.subtasks[0]!, disagreements: { onlyStandard: [3, 7, 9], onlyModule: [11] } }];
    fs.writeFileSync(sizes, JSON.stringify({ ...fake.REUSE_EXPERIMENT, bySize, subtasks }));
    const { file } = await reportCommand({ run, reuse: [sizes], out }, silentLogger);
    const html = fs.readFileSync(file, 'utf8');
    const entry = html.slice(html.indexOf('<h3 class="entry">sizes.json</h3>'));
    expect(entry).toContain('<th scope="col">modules not fine-tuned</th>');
    // The loss in points with its standard error; the 2-class row has none recorded.
    expect(entry).toMatch(/<tr><td>3<\/td><td>1<\/td><td>90\.00%<\/td><td>92\.00%<\/td><td>2\.00 \u00b1 1\.23<\/td>/);
    expect(entry).toMatch(/<tr><td>2<\/td><td>3<\/td><td>96\.00%<\/td><td>97\.00%<\/td><td>1\.00<\/td>/);
    expect(entry).toMatch(
      /<th scope="col">onlyStandardRight<\/th><th scope="col">onlyModuleRight<\/th><\/tr><\/thead><tbody><tr>.*<td>3<\/td><td>1<\/td><\/tr>/,
    );
    expect(entry).not.toContain('[3,7,9]');
    expect(entry).toMatch(/<tr><td>3<\/td>.*<td>81\.00%<\/td><\/tr>/);
    // RUN/reuse-experiment (fake_run.ts) has no such figure: no column.
    const older = html.slice(html.indexOf('<h3 class="entry">reuse-experiment</h3>'));
    expect(older.slice(0, older.indexOf('</article>'))).not.toContain('not fine-tuned');
  });

  it('a reuse experiment run without a standard run shows its module figures and a dash for M-ACC', async () => {
    const out = tempDir();
    const sizes = path.join(out, 'no-standard.json');
    const bySize = fake.REUSE_EXPERIMENT.bySize.map((r) => ({ ...r, modelAccuracy: null, accuracyLoss: null }));
    fs.writeFileSync(sizes, JSON.stringify({ ...fake.REUSE_EXPERIMENT, standardRun: null, bySize }));
    const { file } = await reportCommand({ run, reuse: [sizes], out }, silentLogger);
    const html = fs.readFileSync(file, 'utf8');
    const entry = html.slice(html.indexOf('<h3 class="entry">no-standard.json</h3>'));
    // The per-size table, not the generic one: module accuracy 90%, model accuracy a dash.
    expect(entry.slice(0, entry.indexOf('</article>'))).toMatch(
      /<tr><td>3<\/td><td>1<\/td><td>90\.00%<\/td><td>\u2013<\/td><td>\u2013<\/td>/,
    );
  });
});

describe('report options', () => {
  it('rejects a missing run directory with a one-line usage error', async () => {
    await expect(reportCommand({ run: path.join(root, 'nope') }, silentLogger)).rejects.toThrow(
      new UsageError(`--run: directory ${path.join(root, 'nope')} does not exist`),
    );
    await expect(reportCommand({ run: '' }, silentLogger)).rejects.toThrow(/^--run: /);
    await expect(reportCommand({ run, standardRun: path.join(root, 'nope') }, silentLogger)).rejects.toThrow(/^--standard-run: directory/);
    await expect(reportCommand({ run, reuse: path.join(root, 'nope') }, silentLogger)).rejects.toThrow(/^--reuse: /);
  });
});

describe('escaping helpers', () => {
  it('escape HTML and keep JSON inside a script element', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const tricky = { s: '</script><!-- & \u2028' };
    const json = jsonForScript(tricky);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(tricky);
  });
});

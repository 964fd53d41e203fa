/**
 * The report page in a real browser: headless Chromium (Debian's `chromium` package) opens the
 * file offline, and its DOM dump shows how many charts were created, that no script error
 * happened, and (via the page's #dump-charts hook) the numbers each chart holds.
 * Skipped, with a note, where Chromium is not installed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/commands/report.js';
import { silentLogger } from '../../src/log/logger.js';
import { addToRepository } from '../../src/modules/repository.js';
import { chartIds, tempDir } from './page.js';
import * as fake from './fake_run.js';
import { CHROMIUM, CHROMIUM_MISSING, hasChromium } from '../../scripts/serve_page.js';

const browserInstalled = hasChromium();
if (!browserInstalled) console.warn(`test/report/render.test.ts: skipped, ${CHROMIUM_MISSING}`);

interface ChartDump {
  id: string;
  labels: unknown[] | null;
  datasets: { label: string; data: unknown[] }[];
}

/** Loads the page headless with no network and returns its DOM after the scripts ran. */
function dumpDom(file: string): string {
  const profile = tempDir('mwt-chromium-');
  const url = pathToFileURL(path.resolve(file)).href + '#dump-charts';
  return execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=5000',
      '--dump-dom',
      url,
    ],
    { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
  );
}

function bodyAttributes(dom: string): Record<string, string> {
  const tag = /<body([^>]*)>/.exec(dom)?.[1] ?? '';
  return Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

function chartDump(dom: string): Map<string, ChartDump> {
  const text = /<pre id="mwt-chart-dump" hidden="">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
  if (!text) throw new Error('no chart dump in the DOM');
  const json = text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  return new Map((JSON.parse(json) as ChartDump[]).map((c) => [c.id, c]));
}

const points = (metrics: Record<string, unknown>[], key: string) => metrics.map((m) => ({ x: m.epoch, y: m[key] }));

describe.skipIf(!browserInstalled)('report page in headless Chromium', () => {
  const root = tempDir();
  const { run, standardRun, replaceOut, composeOut } = fake.writeFakeRuns(root);

  it('draws every chart with the run numbers and no script error', async () => {
    // With every section: module cards, replace, compose and a repository (tables, no charts).
    const repo = path.join(root, 'repo');
    await addToRepository(repo, run);
    const { file } = await reportCommand({ run, standardRun, replace: [replaceOut], compose: [composeOut], repo }, silentLogger);
    const html = fs.readFileSync(file, 'utf8');
    const dom = dumpDom(file);
    const body = bodyAttributes(dom);
    expect(body['data-errors']).toBeUndefined();
    expect(body['data-rendered']).toBe(String(chartIds(html).length));
    expect(body['data-rendered']).toBe('10');
    for (const id of ['cards', 'replace', 'compose', 'repository']) expect(dom).toContain(`<section id="${id}">`);
    expect(dom).toContain('after: calibrated (saved)');

    const charts = chartDump(dom);
    expect(charts.get('chart-testAccuracy')!.datasets).toEqual([
      { label: 'modular', data: points(fake.MODULAR_METRICS, 'testAccuracy') },
      { label: 'standard', data: points(fake.STANDARD_METRICS, 'testAccuracy') },
    ]);
    // The standard run has no masks: its coupling curve is absent, not drawn as zeros.
    expect(charts.get('chart-couplingLoss')!.datasets).toEqual([{ label: 'modular', data: points(fake.MODULAR_METRICS, 'couplingLoss') }]);
    expect(charts.get('chart-kernelRate')!.datasets[0]!.data).toEqual([
      { x: 1, y: 0.95 },
      { x: 2, y: 0.7 },
      { x: 3, y: 0.4 },
    ]);
    // Sweep sorted by threshold (the file lists 0.5, 0.9, 0.7); timings are not plotted.
    const sweep = charts.get('chart-sweep')!.datasets;
    expect(sweep.map((d) => d.label)).toEqual(['kernel retention rate (KRR)', 'cohesion', 'coupling']);
    expect(sweep[0]!.data).toEqual([
      { x: 0.5, y: 0.4 },
      { x: 0.7, y: 0.3 },
      { x: 0.9, y: fake.KRR },
    ]);
    // Reuse: accuracies as they are; costs as module / whole model (2M/8M FLOPs, 50k/200k
    // parameters, 1/2 ms at batch 1, 20/80 ms at batch 128).
    expect(charts.get('chart-reuse-accuracy-0')!.datasets[0]!.data).toEqual([0.95, 0.9, 0.97, 0.98]);
    expect(charts.get('chart-reuse-cost-0')!.datasets[0]!.data).toEqual([0.25, 0.25, 0.5, 0.25]);
    // Experiment averages by sub-task size, sorted by size (the file lists 3 before 2).
    const sizes = charts.get('chart-reuse-sizes-1')!.datasets;
    expect(sizes.map((d) => d.label)).toEqual(['module accuracy', 'whole model accuracy', 'kernels kept', 'FLOPs saved']);
    expect(sizes[0]!.data).toEqual([
      { x: 2, y: 0.96 },
      { x: 3, y: 0.9 },
    ]);
    expect(sizes[3]!.data).toEqual([
      { x: 2, y: 0.75 },
      { x: 3, y: 0.5 },
    ]);
  });

  it('draws one line per compared run, named by its settings', async () => {
    const other = fake.writeComparedRun(root);
    const { file } = await reportCommand({ run, compare: [other, standardRun], out: path.join(root, 'compare.html') }, silentLogger);
    const dom = dumpDom(file);
    const body = bodyAttributes(dom);
    expect(body['data-errors']).toBeUndefined();
    const charts = chartDump(dom);
    expect(charts.get('chart-compare-testAccuracy')!.datasets).toEqual([
      { label: 'modular, alpha 0.5', data: points(fake.MODULAR_METRICS, 'testAccuracy') },
      { label: 'modular, alpha 0.3', data: points(fake.ALPHA_03_METRICS, 'testAccuracy') },
      { label: 'standard, alpha 0.5', data: points(fake.STANDARD_METRICS, 'testAccuracy') },
    ]);
    // The standard run has no masks: no coupling line for it, not a line of zeros.
    expect(charts.get('chart-compare-couplingLoss')!.datasets.map((d) => d.label)).toEqual(['modular, alpha 0.5', 'modular, alpha 0.3']);
    expect(charts.get('chart-compare-kernelRate')!.datasets[1]!.data).toEqual([
      { x: 1, y: 0.9 },
      { x: 2, y: 0.6 },
    ]);
  });

  it('draws no whole-model line for a reuse sweep run without a standard run', async () => {
    const sizes = path.join(root, 'no-standard.json');
    const bySize = fake.REUSE_EXPERIMENT.bySize.map((r) => ({ ...r, modelAccuracy: null, accuracyLoss: null }));
    fs.writeFileSync(sizes, JSON.stringify({ ...fake.REUSE_EXPERIMENT, standardRun: null, bySize }));
    const { file } = await reportCommand({ run, reuse: [sizes], out: path.join(root, 'no-standard.html') }, silentLogger);
    const dom = dumpDom(file);
    expect(bodyAttributes(dom)['data-errors']).toBeUndefined();
    const labels = [...chartDump(dom).entries()]
      .filter(([id]) => id.startsWith('chart-reuse-sizes-'))
      .map(([, c]) => c.datasets.map((d) => d.label));
    // RUN/reuse-experiment (with M-ACC) and the sweep given here (without).
    expect(labels).toEqual(
      expect.arrayContaining([
        ['module accuracy', 'whole model accuracy', 'kernels kept', 'FLOPs saved'],
        ['module accuracy', 'kernels kept', 'FLOPs saved'],
      ]),
    );
    expect(labels).toHaveLength(2);
  });

  it('renders a run with only training curves', async () => {
    const dir = path.join(root, 'curves-only');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(standardRun, 'metrics.jsonl'), path.join(dir, 'metrics.jsonl'));
    fs.copyFileSync(path.join(standardRun, 'run.json'), path.join(dir, 'run.json'));
    const { file } = await reportCommand({ run: dir }, silentLogger);
    const dom = dumpDom(file);
    const body = bodyAttributes(dom);
    expect(body['data-errors']).toBeUndefined();
    // A standard run: test/train accuracy and cross-entropy only.
    expect(body['data-rendered']).toBe('3');
    expect(chartDump(dom).get('chart-ceLoss')!.datasets).toEqual([{ label: 'standard', data: points(fake.STANDARD_METRICS, 'ceLoss') }]);
  });
});

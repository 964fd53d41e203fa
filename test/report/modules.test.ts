/**
 * The report's module sections (issue 13): the cards of RUN/modules/<class>/card.json and of reuse
 * sub-task models, `mwt replace` and `mwt compose` outputs (--replace, --compose) and a module
 * repository (--repo). Fake files with hand-written numbers (fake_run.ts), no training: the data
 * loader reads them unchanged, the tables hold the right figures, and bad paths are refused
 * before any work, naming the option and the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../scripts/cli.js';
import { reportCommand } from '../../src/commands/report.js';
import { silentLogger } from '../../src/log/logger.js';
import { UsageError } from '../../src/errors.js';
import { addToRepository } from '../../src/modules/repository.js';
import { collectReportData } from '../../src/report/data.js';
import { escapeHtml } from '../../src/report/escape.js';
import { embeddedData, tempDir } from './page.js';
import * as fake from './fake_run.js';

const root = tempDir();
const { run, replaceOut, composeOut, cards } = fake.writeFakeRuns(root);
const repo = path.join(root, 'repo');
const short = (id: string) => `<code title="${id}">${id.slice(0, 12)}</code>`;
/** The section of the page with this id. */
const section = (html: string, id: string) =>
  /<section id="([^"]+)"[\s\S]*?<\/section>/g.exec(html.slice(html.indexOf(`<section id="${id}"`)))?.[0] ?? '';

describe('report with module cards, replace, compose and a repository', async () => {
  await addToRepository(repo, run); // the three modules
  await addToRepository(repo, path.join(run, 'reuse-0-2')); // the sub-task model
  // One module's weights changed on disk after it was added: listed as corrupt.
  fs.writeFileSync(path.join(repo, 'modules', cards[2]!.id, 'weights.bin'), 'changed');

  const out = path.join(root, 'report.html');
  const written = await reportCommand({ run, replace: [replaceOut], compose: [composeOut], repo, out }, silentLogger);
  const html = fs.readFileSync(written.file, 'utf8');
  const data = embeddedData(html);

  it('reads the cards, the summaries and the repository unchanged', () => {
    const direct = collectReportData({ run, replace: [replaceOut], compose: [composeOut], repo });
    expect(direct.moduleCards).toEqual(cards.slice(0, 3).map((card, k) => ({ dir: path.join(run, 'modules', `class-${k}`), card })));
    expect(direct.reuse.find((r) => r.name === 'reuse-0-2')!.card).toEqual(cards[3]);
    // The files as written (formatVersion kept: the page embeds what it read).
    expect(direct.replace).toEqual([{ name: 'replace-1', path: replaceOut, summary: { formatVersion: 1, ...fake.REPLACE_SUMMARY } }]);
    expect(direct.compose).toEqual([{ name: 'compose-0-1', path: composeOut, summary: { formatVersion: 1, ...fake.COMPOSE_SUMMARY } }]);
    expect(direct.repository!.dir).toBe(repo);
    expect(direct.repository!.modules.map((m) => [m.id, m.status]).sort()).toEqual(
      cards.map((c, i) => [c.id, i === 2 ? 'corrupt' : 'ok']).sort(),
    );
    expect(Object.keys(direct.notes)).toEqual(['standard']); // nothing else missing
    expect(data.moduleCards).toEqual(direct.moduleCards);
    expect(data.replace).toEqual(direct.replace);
  });

  it('shows a card table per class: kernels kept, KRR, parameters, FLOPs, precision/recall/F1 and how measured', () => {
    const cardsHtml = section(html, 'cards');
    const top = cards[0]!;
    expect(cardsHtml).toContain(
      `<tr><th scope="row">top (0)</th><td>${short(top.id)}</td><td title="conv1 4, conv2 8">12</td><td>25.0%</td><td>1,234</td><td>2.50 M</td><td>0.900</td><td>0.800</td><td>0.847</td><td>test (3,000)</td><td>0.880</td></tr>`,
    );
    expect(cardsHtml).toContain(
      `<tr><th scope="row">trouser (1)</th><td>${short(cards[1]!.id)}</td><td title="conv1 8, conv2 16">24</td><td>50.0%</td><td>4,321</td><td>3.00 M</td><td>0.950</td><td>0.970</td><td>0.960</td><td>test (3,000)</td><td>0.960</td></tr>`,
    );
    // Class names are escaped in the table too.
    expect(cardsHtml).toContain('<th scope="row">&lt;b&gt;&amp;&quot;bag&quot;&lt;/b&gt; (2)</th>');
    expect(cardsHtml).toContain(`on the test set: ${escapeHtml(fake.MODULE_RULE)}`);
    expect(cardsHtml).toContain(`on the validation set: ${escapeHtml(fake.SCORE_RULE)}`);
    // The sub-task model: one row per class, the id and costs spanning both.
    expect(cardsHtml).toContain(
      `<tr><th scope="row" rowspan="2">reuse-0-2</th><th scope="row">top (0)</th><td rowspan="2">${short(cards[3]!.id)}</td><td rowspan="2" title="conv1 5, conv2 9">14</td><td rowspan="2">29.2%</td><td rowspan="2">50.0 k</td><td rowspan="2">2.00 M</td><td>0.980</td><td>0.960</td><td>0.970</td><td rowspan="2">test (2,000)</td><td>\u2013</td></tr>`,
    );
    expect(cardsHtml).toContain(fake.SUBTASK_RULE);
  });

  it('shows class K and the accuracy before and after replace, the saved rule first', () => {
    const r = section(html, 'replace');
    expect(r).toContain('<tr><th scope="row">class replaced</th><td>trouser (1)</td></tr>');
    expect(r).toContain(`${short('ab'.repeat(32))} (repository)`);
    expect(r).toContain('<tr><th scope="row">rule saved</th><td>calibrated: ');
    const rows = [...r.matchAll(/<tr[^>]*><th scope="row">(before|after)[^<]*<\/th>(.*?)<\/tr>/g)].map((m) => m[0]);
    expect(rows).toEqual([
      '<tr><th scope="row">before: weak model</th><td>0.700</td><td>0.500</td><td>0.583</td><td>80.00%</td></tr>',
      '<tr class="chosen"><th scope="row">after: calibrated (saved)</th><td>0.900</td><td>0.850</td><td>0.874</td><td>85.00%</td></tr>',
      '<tr><th scope="row">after: cnnsplitter</th><td>0.800</td><td>0.900</td><td>0.847</td><td>83.00%</td></tr>',
    ]);
    expect(r).toContain(
      'F1 of trouser (1) goes from 0.583 to 0.874 (+0.291) and the accuracy over all classes from 80.00% to 85.00% (+5.00 points)',
    );
  });

  it('shows the composed accuracy against each source restricted to the classes, and the module per class', () => {
    const c = section(html, 'compose');
    expect(c).toContain('<tr class="chosen"><th scope="row">composed modules, calibrated</th><td>95.50%</td></tr>');
    expect(c).toContain('<tr><th scope="row">composed modules, without calibration</th><td>94.00%</td></tr>');
    expect(c).toContain('<tr><th scope="row">source <code>/runs/a</code> (simcnn \u00d70.25, seed 0), restricted</th><td>96.00%</td></tr>');
    expect(c).toContain(
      '<tr><th scope="row">source <code>/runs/b</code> (simcnn \u00d70.5, seed 1), restricted</th><td>run not found</td></tr>',
    );
    expect(c).toContain('best source model restricted to the same classes: \u22120.50 points');
    expect(c).toContain(
      `<tr><th scope="row">top (0)</th><td>${short('cd'.repeat(32))}</td><td><code>/runs/a</code></td><td>0.910</td><td>0.960</td><td>0.950</td><td>0.955</td></tr>`,
    );
    expect(c).toContain(
      `<tr><th scope="row">trouser (1)</th><td>${short('ef'.repeat(32))}</td><td><code>/runs/b</code></td><td>0.970</td><td>0.950</td><td>0.960</td><td>0.955</td></tr>`,
    );
  });

  it("lists the repository's modules with dataset, class, model, F1 and FLOPs, corrupt ones marked", () => {
    const r = section(html, 'repository');
    expect(r).toContain(`4 modules in <code>${repo}</code>`);
    expect(r).toContain(
      `<tr><td>${short(cards[0]!.id)}</td><td>module</td><td>fashion-mnist</td><td>top (0)</td><td>simcnn \u00d70.25</td><td>0.847</td><td>2.50 M</td><td>ok</td></tr>`,
    );
    expect(r).toContain(
      `<tr><td>${short(cards[3]!.id)}</td><td>subtask</td><td>fashion-mnist</td><td>top (0), &lt;b&gt;&amp;&quot;bag&quot;&lt;/b&gt; (2)</td><td>simcnn \u00d70.25</td><td>0.970, 0.970</td><td>2.00 M</td><td>ok</td></tr>`,
    );
    expect(r).toMatch(
      new RegExp(
        `<tr class="corrupt"><td>${short(cards[2]!.id)}</td>.*<td title="[^"]*weights.bin no longer matches its id">corrupt</td></tr>`,
      ),
    );
  });

  it('adds no chart and keeps the sections in order', () => {
    expect(written.charts).toBe(10);
    const order = [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['about', 'summary', 'curves', 'modules', 'cards', 'sweep', 'reuse', 'replace', 'compose', 'repository']);
  });
});

describe('report module sections when inputs are absent or broken', () => {
  it('leaves out replace, compose and repository when not given', async () => {
    const html = fs.readFileSync((await reportCommand({ run, out: path.join(root, 'plain.html') }, silentLogger)).file, 'utf8');
    expect(html).toContain('<section id="cards">');
    expect(html).not.toContain('<section id="replace">');
    expect(html).not.toContain('<section id="compose">');
    expect(html).not.toContain('<section id="repository">');
  });

  it('notes a modularized run without cards, and a card that does not parse', () => {
    const dir = path.join(tempDir(), 'old');
    fs.mkdirSync(path.join(dir, 'modules', 'class-0'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'modules', 'modules.json'), JSON.stringify(fake.MODULES));
    expect(collectReportData({ run: dir }).notes.cards).toMatch(/^No module cards: no card.json in the module directories of /);
    const bad = path.join(dir, 'modules', 'class-0', 'card.json');
    fs.writeFileSync(bad, JSON.stringify({ ...cards[0], kernelRate: 2 }));
    const data = collectReportData({ run: dir });
    expect(data.moduleCards).toEqual([]);
    expect(data.notes.cards).toBe(`Skipped: ${bad}: not a valid module card (kernelRate: Too big: expected number to be <=1).`);
  });
});

describe('report options --replace, --compose, --repo', () => {
  const out = path.join(root, 'refused.html');
  const refused = async (input: Omit<Parameters<typeof reportCommand>[0], 'run'>, message: string | RegExp) => {
    await expect(reportCommand({ ...input, run, out }, silentLogger)).rejects.toThrow(
      typeof message === 'string' ? new UsageError(message) : message,
    );
    expect(fs.existsSync(out)).toBe(false); // refused before any work
  };

  it('refuse missing paths and files, naming the option and the file', async () => {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty, { recursive: true });
    const nope = path.join(root, 'nope');
    await refused({ replace: [replaceOut, nope] }, `--replace: ${nope} does not exist (expected an output directory of mwt replace)`);
    await refused(
      { replace: empty },
      `--replace: ${path.join(empty, 'summary.json')} not found (expected an output directory of mwt replace)`,
    );
    await refused(
      { compose: [empty] },
      `--compose: ${path.join(empty, 'summary.json')} not found (expected an output directory of mwt compose)`,
    );
    await refused({ repo: nope }, `--repo: directory ${nope} does not exist`);
    await refused(
      { repo: empty },
      `--repo: ${path.join(empty, 'index.json')} not found (expected a module repository written by mwt modules add)`,
    );
  });

  it("refuse the other command's output and a broken summary", async () => {
    const summary = path.join(composeOut, 'summary.json');
    await refused(
      { replace: [composeOut] },
      new RegExp(`^--replace: ${summary}: not a valid replace summary \\(written by mwt replace\\) \\(`),
    );
    await refused(
      { compose: [replaceOut] },
      /^--compose: .*summary\.json: not a valid compose summary \(written by mwt compose\) \((classes|candidates)/,
    );
    const broken = path.join(root, 'broken-compose');
    fs.mkdirSync(broken, { recursive: true });
    fs.writeFileSync(path.join(broken, 'summary.json'), '{"dataset": ');
    await refused({ compose: [broken] }, /^--compose: .*summary\.json: not valid JSON/);
    await refused({ repo: '' }, /^--repo: /);
  });

  it('take the summary file itself, and repeated or comma-separated flags on the command line', async () => {
    const { data } = await reportCommand({ run, out, replace: path.join(replaceOut, 'summary.json') }, silentLogger);
    expect(data.replace.map((r) => r.summary.classIndex)).toEqual([1]);
    const report = buildProgram().commands.find((c: Command) => c.name() === 'report')!;
    const flag = (name: string) => report.options.find((o) => o.long === name)!;
    for (const name of ['--replace', '--compose']) {
      const parse = flag(name).parseArg! as (value: string, previous: unknown) => unknown;
      expect(parse('c', parse('a, b', undefined))).toEqual(['a', 'b', 'c']);
    }
    expect(flag('--repo').required).toBe(true); // takes a value
  });
});

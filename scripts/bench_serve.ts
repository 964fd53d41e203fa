/**
 * The `mwt serve` page in headless Chromium: how long it takes to become ready (fetch the page,
 * start the wasm backend, read the catalog and the modules), to build a sub-task model once
 * classes are ticked, and to classify one image with it; and how many bytes it fetched. Both
 * routes: the mask union of a run (`--run`) and the composition of a repository's modules
 * (`--repo`). Each repeat opens a fresh browser context, so nothing comes from the cache.
 * Rewrites the "## The serve page" section of BENCHMARKS.md. The test (test/serve) checks what
 * the page computes; times live here, never in a test.
 *
 *   npx tsx scripts/bench_serve.ts [--run RUN] [--classes 5,9] [--repeats 5] [--out BENCHMARKS.md]
 *
 * Without --run it trains a SimCNN at the demo's width (0.25) for one epoch on the bundled sample
 * and modularizes it: the page's cost depends on the model's size and its ten modules, not on
 * how well it was trained. Where no Chromium is installed it says so in one line and changes
 * nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { initBackend } from '../src/engine/backend.js';
import { train } from '../src/train/train.js';
import { SAMPLE_DATA_DIR } from '../src/data/sample.js';
import { modularizeRun } from '../src/modules/modularize_run.js';
import { addToRepository } from '../src/modules/repository.js';
import { serve, type RunningServer } from '../src/commands/serve.js';
import { silentLogger } from '../src/log/logger.js';
import { readRunInfo } from '../src/train/run_info.js';
import { median } from '../src/stats/median.js';
import { buildWebApp } from './build_web.js';
import { machineLine, measuredAt, writeSection } from './benchmarks_md.js';
import { CHROMIUM_MISSING, hasChromium, launchChromium, openServePage, tickClasses } from './serve_page.js';

const HEADING = '## The serve page';
const ROOT = path.resolve(import.meta.dirname, '..');

interface Args {
  run: string | null;
  classes: number[];
  repeats: number;
  out: string;
}

function fail(message: string): never {
  process.stderr.write(`bench_serve: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { run: null, classes: [5, 9], repeats: 5, out: path.join(ROOT, 'BENCHMARKS.md') };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    if (value == null) fail(`${flag}: expected a value`);
    if (flag === '--run') args.run = value;
    else if (flag === '--out') args.out = value;
    else if (flag === '--repeats') {
      args.repeats = Number(value);
      if (!Number.isInteger(args.repeats) || args.repeats < 1) fail(`--repeats: expected a positive integer, got '${value}'`);
    } else if (flag === '--classes') {
      args.classes = value.split(',').map(Number);
      if (args.classes.length < 2 || args.classes.some((k) => !Number.isInteger(k) || k < 0))
        fail(`--classes: expected two or more class indices like 5,9, got '${value}'`);
    } else fail(`unknown option ${flag} (expected --run, --classes, --repeats, --out)`);
  }
  if (args.run != null && !fs.existsSync(path.join(args.run, 'modules')))
    fail(`--run: ${args.run} is not a modularized run (no modules/ in it): run mwt modularize on it first`);
  return args;
}

interface PageTimes {
  loadMs: number;
  buildMs: number;
  latencyMs: number;
  bytes: number;
}

/** One cold visit: a fresh context, the page until ready, the ticked classes until built. */
async function visit(browser: Browser, server: RunningServer, classes: number[]): Promise<PageTimes> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const bodies: Promise<number>[] = [];
    page.on('response', (r) =>
      bodies.push(
        r.body().then(
          (b) => b.length,
          () => 0,
        ),
      ),
    );
    const { loadMs } = await openServePage(page, server.url);
    const { buildMs, latencyMs } = await tickClasses(page, classes);
    const bytes = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
    return { loadMs, buildMs, latencyMs, bytes };
  } finally {
    await context.close();
  }
}

/** A run to serve: the one given, or a one-epoch SimCNN on the bundled sample in a scratch folder. */
async function prepareRun(args: Args, scratch: string): Promise<string> {
  if (args.run != null) return args.run;
  const run = path.join(scratch, 'run');
  process.stderr.write('bench_serve: training a SimCNN (width 0.25, 1 epoch, bundled sample) to serve\n');
  await train({
    model: 'simcnn',
    dataset: 'fashion-mnist',
    dataDir: SAMPLE_DATA_DIR,
    out: run,
    epochs: 1,
    width: 0.25,
    seed: 0,
    quiet: true,
  });
  await modularizeRun(run, { threshold: 0.9 });
  return run;
}

const fmt = (xs: number[], digits = 0) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(digits)} (${s[0]!.toFixed(digits)}-${s[s.length - 1]!.toFixed(digits)})`;
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!hasChromium()) {
    process.stderr.write(`bench_serve: skipped, ${CHROMIUM_MISSING}\n`);
    return;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-bench-serve-'));
  try {
    await initBackend('wasm');
    await buildWebApp();
    const run = await prepareRun(args, scratch);
    const repo = path.join(scratch, 'repo');
    await addToRepository(repo, run);

    const browser = await launchChromium();
    const rows: string[] = [];
    try {
      for (const [route, source] of [
        ['mask union (`--run`)', { run }],
        ['composed modules (`--repo`)', { repo }],
      ] as const) {
        const server = await serve({ ...source, port: 0 }, silentLogger);
        try {
          await visit(browser, server, args.classes); // warm the OS file cache and the server
          const times: PageTimes[] = [];
          for (let i = 0; i < args.repeats; i++) times.push(await visit(browser, server, args.classes));
          const [ready, built] = [fmt(times.map((t) => t.loadMs)), fmt(times.map((t) => t.buildMs))];
          process.stderr.write(`bench_serve: ${route}: ready ${ready} ms, built ${built} ms\n`);
          const latency = fmt(
            times.map((t) => t.latencyMs),
            2,
          );
          rows.push(`| ${route} | ${ready} | ${built} | ${latency} | ${(median(times.map((t) => t.bytes)) / 2 ** 20).toFixed(2)} |`);
        } finally {
          await server.close();
        }
      }
      const info = readRunInfo(run).spec;
      const section = [
        HEADING,
        '',
        `\`npx tsx scripts/bench_serve.ts${args.run != null ? ` --run ${args.run}` : ''} --classes ${args.classes.join(',')} --repeats ${args.repeats}\` (part of \`npm run bench\`), ${measuredAt()},`,
        `${machineLine()}, Node.js ${process.version}, Chromium ${browser.version()} headless (wasm backend in the page), load average ${os.loadavg()[0]!.toFixed(2)} at the end.`,
        `Served: ${info.name} at width ${info.width}${args.run != null ? ` (${args.run})` : ', one epoch on the bundled sample'}, its ten modules; classes ${args.classes.join(', ')} ticked.`,
        `Median (min-max) of ${args.repeats} cold visits, each in a fresh browser context after one warm-up: *ready* is from navigation to the page's ready state`,
        '(page, wasm backend, catalog, modules), *built* from the last tick to the sub-task model built, *latency* one image through it;',
        '*fetched* is every response body of a visit.',
        '',
        '| route | ready ms | built ms | latency ms / image | fetched MiB |',
        '|---|---:|---:|---:|---:|',
        ...rows,
        '',
      ].join('\n');
      writeSection(args.out, HEADING, section);
      process.stderr.write(`bench_serve: written to ${args.out}\n`);
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));

// Commands never destroy or half-write what is on disk: an existing run is only replaced when
// asked, every output location is checked before any work, a refused command changes no file
// and leaves none behind, and damaged model files are named with what is wrong.
import { beforeAll, describe, expect, it } from 'vitest';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { train } from '../../src/train/train.js';
import { silentLogger } from '../../src/log/logger.js';
import { modularizeRun } from '../../src/modules/modularize_run.js';
import { runCli, SAMPLE, trainArgs, type CliResult } from './cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-out-'));
const tiny = { dataset: 'fashion-mnist' as const, dataDir: SAMPLE, epochs: 1, width: 0.125, limit: 200, batchSize: 50 };
const tinyTrainArgs = (out: string, extra: string[] = []) =>
  trainArgs({ out }, ['--width', '0.125', '--limit', '200', '--batch-size', '50', ...extra]);

/** Every file under `dir` with its content hash and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile()) continue;
    const hash = crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
    out[path.relative(dir, file)] = `${hash} ${fs.statSync(file).mtimeMs}`;
  }
  return out;
}

/** The one error line (commander's usage errors add a `(run ... --help ...)` line). */
function errorLine(r: CliResult): string {
  // TensorFlow's C library logs its oneDNN notice through absl before any log level applies
  // (tensorflow backend only): those lines are the library's, not an error line of ours.
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(run ') && !/^(WARNING: All log messages before absl|I\d{4} )/.test(l));
  expect(lines.length, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}

/** A copy of a run directory, so a test can damage it. */
function copyRun(run: string): string {
  const dir = path.join(tmp(), 'run');
  fs.cpSync(run, dir, { recursive: true });
  return dir;
}

describe('mwt train on a directory that holds a run', () => {
  let run: string;
  beforeAll(async () => {
    run = path.join(tmp(), 'run');
    await train({ ...tiny, model: 'simcnn', out: run }, { log: silentLogger });
  });

  it('refuses without --resume or --overwrite, exit 2, and touches nothing', async () => {
    const before = snapshot(run);
    const r = await runCli(tinyTrainArgs(run));
    expect(r.code, r.stderr).toBe(2);
    expect(errorLine(r)).toBe(`mwt train: --out: ${run} already holds a run; pass --resume to continue it or --overwrite to replace it`);
    expect(snapshot(run)).toEqual(before);
  });

  it('refuses --resume with --overwrite', async () => {
    const before = snapshot(run);
    const r = await runCli(tinyTrainArgs(run, ['--resume', '--overwrite']));
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe('mwt train: --resume and --overwrite: choose one (continue the run in --out, or replace it)');
    expect(snapshot(run)).toEqual(before);
  });

  it('--overwrite replaces the run: a new run.json, one epoch of metrics, no modules of the old one', async () => {
    const dir = copyRun(run);
    fs.mkdirSync(path.join(dir, 'modules'));
    fs.writeFileSync(path.join(dir, 'modules', 'modules.json'), '{}');
    const oldRunJson = fs.readFileSync(path.join(dir, 'run.json'), 'utf8');
    const r = await runCli(tinyTrainArgs(dir, ['--overwrite', '--seed', '7']));
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).not.toBe(oldRunJson);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).options.seed).toBe(7);
    expect(fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'modules'))).toBe(false);
  });

  it('--overwrite with a batch larger than the data refuses and keeps the old run', async () => {
    const dir = copyRun(run);
    const before = snapshot(dir);
    const r = await runCli(tinyTrainArgs(dir, ['--overwrite', '--limit', '20', '--quiet']));
    expect(r.code).toBe(1);
    expect(errorLine(r)).toBe('mwt train: --batch-size: 50 is larger than the 20 training samples');
    expect(snapshot(dir)).toEqual(before);
    // Nor does a fresh --out get a run.json that a corrected command would then have to --overwrite.
    const fresh = path.join(tmp(), 'fresh');
    expect((await runCli(tinyTrainArgs(fresh, ['--limit', '20']))).code).toBe(1);
    expect(fs.existsSync(path.join(fresh, 'run.json'))).toBe(false);
  });

  it('a train that fails before any work leaves no --out directory behind', async () => {
    const out = path.join(tmp(), 'never-made', 'run');
    const r = await runCli(trainArgs({ out, dataDir: '/nonexistent/fm' }));
    expect(r.code).toBe(1);
    expect(errorLine(r)).toMatch(/^mwt train: fashion-mnist: data directory \/nonexistent\/fm does not exist/);
    expect(fs.existsSync(path.dirname(out))).toBe(false);
  });
});

describe('runs used from elsewhere, and damaged runs', () => {
  let run: string;
  let standard: string;
  beforeAll(async () => {
    run = path.join(tmp(), 'run');
    standard = path.join(tmp(), 'std');
    // A relative --data-dir, as a user types it: run.json must record it absolute.
    const cwd = process.cwd();
    process.chdir(path.dirname(SAMPLE));
    try {
      await train({ ...tiny, dataDir: path.basename(SAMPLE), model: 'simcnn', out: run }, { log: silentLogger });
    } finally {
      process.chdir(cwd);
    }
    await train({ ...tiny, model: 'simcnn', out: standard, standard: true }, { log: silentLogger });
    await modularizeRun(run, { log: silentLogger });
  });

  it('records the data directory absolute, so modularize works from any working directory', async () => {
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(info.dataDir).toBe(SAMPLE);
    const r = await runCli(['modularize', '--run', run, '--quiet'], { cwd: tmp() });
    expect(r.code, r.stderr).toBe(0);
  });

  it('modularize --data-dir overrides a data directory that moved', async () => {
    const dir = copyRun(run);
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...info, dataDir: '/moved/away' }));
    const moved = await runCli(['modularize', '--run', dir]);
    expect(moved.code).toBe(1);
    expect(errorLine(moved)).toMatch(/^mwt modularize: fashion-mnist: data directory \/moved\/away does not exist/);
    const r = await runCli(['modularize', '--run', dir, '--data-dir', SAMPLE, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'modules', 'modules.json'))).toBe(true);
  });

  it('names a truncated weights file with its size and the size model.json describes', async () => {
    const dir = copyRun(run);
    const weights = path.join(dir, 'model', 'weights.bin');
    const size = fs.statSync(weights).size;
    fs.truncateSync(weights, 1000);
    const r = await runCli(['modularize', '--run', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r)).toBe(
      `mwt modularize: ${weights}: 1000 bytes, but ${path.join(dir, 'model', 'model.json')} describes ${size} (the file is truncated or belongs to another model)`,
    );
  });

  it('names the missing model file of a finished run, and a missing weights file', async () => {
    const dir = copyRun(run);
    fs.rmSync(path.join(dir, 'model', 'weights.bin'));
    const noWeights = await runCli(['modularize', '--run', dir]);
    expect(noWeights.code).toBe(1);
    expect(errorLine(noWeights)).toBe(
      `mwt modularize: ${path.join(dir, 'model', 'weights.bin')}: weights file not found (listed in ${path.join(dir, 'model', 'model.json')})`,
    );
    fs.rmSync(path.join(dir, 'model'), { recursive: true });
    const noModel = await runCli(['modularize', '--run', dir]);
    expect(noModel.code).toBe(2);
    expect(errorLine(noModel)).toBe(
      `mwt modularize: --run: ${path.join(dir, 'model', 'model.json')} is missing (training finished, but the model file was deleted or moved)`,
    );
  });

  it('reuse on a standard run names reuse, not modularize', async () => {
    const r = await runCli(['reuse', '--run', standard, '--classes', '0,1', '--out', path.join(tmp(), 'o')]);
    expect(r.code).toBe(2);
    expect(errorLine(r)).toBe(`mwt reuse: --run: ${standard} is a standard run (trained with --standard); mwt reuse needs a modular run`);
  });

  describe('output locations are checked before any work', () => {
    it.each([
      ['reuse', (file: string) => ['reuse', '--run', '<run>', '--classes', '0,1', '--epochs', '1', '--out', file]],
      [
        'experiment reuse',
        (file: string) => [
          'experiment',
          'reuse',
          '--run',
          '<run>',
          '--standard-run',
          '<std>',
          '--sizes',
          '2',
          '--per-size',
          '1',
          '--epochs',
          '1',
          '--out',
          file,
        ],
      ],
    ])('%s --out on an existing file: exit 1 at once, nothing written', async (name, args) => {
      const file = path.join(tmp(), 'taken');
      fs.writeFileSync(file, 'x');
      const argv = args(file).map((a) => (a === '<run>' ? run : a === '<std>' ? standard : a));
      const before = snapshot(run);
      const r = await runCli(argv);
      expect(r.code, r.stderr).toBe(1);
      expect(errorLine(r)).toBe(`mwt ${name}: --out: cannot write to ${file} (${file} is not a directory)`);
      expect(fs.readFileSync(file, 'utf8')).toBe('x');
      expect(snapshot(run)).toEqual(before);
    });

    it('modularize where RUN/modules cannot be made: exit 1 before the inference pass', async () => {
      const dir = copyRun(run);
      fs.rmSync(path.join(dir, 'modules'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'modules'), 'in the way');
      const r = await runCli(['modularize', '--run', dir]);
      expect(r.code).toBe(1);
      const modules = path.join(dir, 'modules');
      expect(errorLine(r)).toBe(`mwt modularize: --run: cannot write to ${modules} (${modules} is not a directory)`);
      expect(r.stderr).not.toMatch(/sample masks/);
    });

    it('report --out inside a file: exit 1, nothing written', async () => {
      const file = path.join(tmp(), 'taken');
      fs.writeFileSync(file, 'x');
      const r = await runCli(['report', '--run', run, '--out', path.join(file, 'report.html')]);
      expect(r.code).toBe(1);
      expect(errorLine(r)).toBe(`mwt report: --out: cannot write to ${path.join(file, 'report.html')} (${file} is not a directory)`);
    });
  });
});

// `mwt experiment status`: where a long run stands, from its files alone. The runs here are
// written by hand (run.json, metrics.jsonl, summary.json, modules.json, reuse.json as mwt writes
// them), so every figure below is worked out from the values written; interrupt.test.ts resumes
// a real interrupted run with the command the status gives.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentStatus, formatDuration, formatExperimentStatus, resumeCommand } from '../../src/commands/experiment_status.js';
import { IN_USE_FILE } from '../../src/io/in_use.js';
import { writeExperimentRecord } from '../../src/commands/experiment_record.js';
import { experimentGridOptionsSchema, experimentTrendsOptionsSchema } from '../../src/commands/options.js';
import { runCli } from './cli.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-status-'));
const writeJson = (file: string, value: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
};
/** Sets a file's modification time, `msAgo` before now. */
const age = (file: string, msAgo: number) => {
  const t = new Date(Date.now() - msAgo);
  fs.utimesSync(file, t, t);
};

interface FakeRun {
  standard?: boolean;
  epochs: number;
  /** Seconds of each epoch done. */
  seconds: number[];
  options?: Record<string, unknown>;
}

/** A run as mwt train leaves it: finished (summary and model) when every epoch is done. */
function writeRun(dir: string, run: FakeRun): void {
  const options = {
    model: 'simcnn',
    dataset: 'fashion-mnist',
    dataDir: '/data/fm',
    out: dir,
    epochs: run.epochs,
    width: 0.5,
    ...run.options,
  };
  writeJson(path.join(dir, 'run.json'), {
    formatVersion: 1,
    spec: { name: 'simcnn', numClasses: 10, inputShape: [28, 28, 1], width: 0.5 },
    standard: run.standard ?? false,
    dataset: 'fashion-mnist',
    dataDir: '/data/fm',
    normalization: { mean: [0.286], std: [0.353] },
    options: { ...options, standard: run.standard ?? false },
  });
  const lines = run.seconds.map((seconds, i) =>
    JSON.stringify({ formatVersion: 1, epoch: i + 1, trainAccuracy: 0.9, testAccuracy: 0.9, ceLoss: 0.2, seconds }),
  );
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => l + '\n').join(''));
  if (run.seconds.length === run.epochs) {
    writeJson(path.join(dir, 'model', 'model.json'), {});
    writeJson(path.join(dir, 'summary.json'), {
      formatVersion: 1,
      model: 'simcnn',
      dataset: 'fashion-mnist',
      epochs: run.epochs,
      testAccuracy: 0.9,
    });
  }
}

/** experiment.json as `mwt experiment trends --model simcnn ... --out OUT --epochs E` writes it when it starts. */
function writeTrendsRecord(out: string, epochs: number): void {
  const options = experimentTrendsOptionsSchema.parse({
    model: 'simcnn',
    dataset: 'fashion-mnist',
    dataDir: '/data/fm',
    epochs,
    width: 0.5,
    out,
    parallel: true,
  });
  writeExperimentRecord(out, 'trends', options);
}

function writeModules(run: string): void {
  writeJson(path.join(run, 'modules', 'modules.json'), { formatVersion: 1, threshold: 0.9 });
}

function writeSweep(dir: string, finished: number[], planned: number): void {
  writeJson(path.join(dir, 'reuse.json'), {
    run: 'elsewhere',
    complete: finished.length === planned,
    planned,
    subtasks: finished.map((seconds) => ({ seconds })),
  });
}

describe('mwt experiment status', () => {
  it('formats durations as a reader wants them', () => {
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(265)).toBe('4 min 25 s');
    expect(formatDuration(840)).toBe('14 min');
    expect(formatDuration(11_520)).toBe('3 h 12 min');
  });

  it('a trends experiment half trained: epochs, pace, time left; looks stopped only when quiet for long', () => {
    const out = tmp();
    // The median of the last three epochs (318, 265, 300) is 300 s: 11 epochs left, 55 min.
    writeTrendsRecord(out, 30);
    writeRun(path.join(out, 'modular'), { epochs: 30, seconds: [...Array(16).fill(170), 318, 265, 300] });
    writeRun(path.join(out, 'standard'), { standard: true, epochs: 30, seconds: Array(30).fill(150) });
    const status = experimentStatus(out);
    expect(status.kind).toBe('trends');
    expect(status.complete).toBe(false);
    expect(status.runs.map((r) => [r.standard, r.epochsDone, r.secondsPerEpoch, r.secondsLeft, r.finished])).toEqual([
      [false, 19, 300, 3300, false],
      [true, 30, 150, 0, true],
    ]);
    const soon = formatExperimentStatus(status, status.lastWritten! + 60_000);
    expect(soon.split('\n')).toEqual([
      `${out}: mwt experiment trends, in progress (last written 1 min 0 s ago)`,
      `  modular simcnn w0.5 on fashion-mnist (${out}/modular): epoch 19 of 30 done, 5 min 0 s an epoch, about 55 min left`,
      `  standard simcnn w0.5 on fashion-mnist (${out}/standard): trained, 30 epochs, 2 min 30 s an epoch`,
      `  modules of ${out}/modular: not built yet`,
      `  sub-tasks (${out}/sizes): not started`,
    ]);
    // Three of its 300 s epochs (15 min) without a file written: it says so, and how to go on.
    expect(formatExperimentStatus(status, status.lastWritten! + 14 * 60_000)).toContain('in progress');
    expect(formatExperimentStatus(status, status.lastWritten! + 2 * 3600_000)).toContain(
      `not complete, and nothing written for 2 h 0 min: stopped? Continue it with: mwt experiment trends --out ${out} --model simcnn --dataset fashion-mnist --data-dir /data/fm --epochs 30 --width 0.5 --parallel`,
    );
  });

  it('a finished trends experiment is complete only while trends.json is newer than what it was made from', () => {
    const out = tmp();
    writeTrendsRecord(out, 2);
    writeRun(path.join(out, 'modular'), { epochs: 2, seconds: [10, 10] });
    writeRun(path.join(out, 'standard'), { standard: true, epochs: 2, seconds: [5, 5] });
    writeModules(path.join(out, 'modular'));
    writeSweep(path.join(out, 'sizes'), [30, 50, 40, 60, 20, 70, 80, 90], 8);
    writeJson(path.join(out, 'trends.json'), {});
    const done = experimentStatus(out);
    expect(done.complete).toBe(true);
    expect(done.modules).toEqual([{ run: path.join(out, 'modular'), built: true, threshold: 0.9 }]);
    expect(done.sweeps[0]).toMatchObject({ finished: 8, planned: 8, complete: true, secondsPerSubtask: 55 });
    const text = formatExperimentStatus(done, Date.now());
    expect(text).toContain('mwt experiment trends, complete');
    expect(text).toContain('built at threshold 0.9');
    expect(text).toContain('all 8 finished');

    // The modular run trained further after the modules and trends.json were written: stale.
    age(path.join(out, 'trends.json'), 60_000);
    age(path.join(out, 'modular', 'modules', 'modules.json'), 60_000);
    const stale = experimentStatus(out);
    expect(stale.complete).toBe(false);
    expect(stale.modules[0]!.built).toBe(false);
  });

  it('a sub-task sweep in progress, and the sub-task models of a seeds experiment', () => {
    const sweep = tmp();
    writeSweep(sweep, [100, 140, 120], 8);
    fs.mkdirSync(path.join(sweep, 'parts'));
    // OUT/parts of a --parallel sweep: sub-task 3 claimed by this (live) process 8 minutes ago,
    // 4 by a process that is gone, 5 claimed and finished, 0-2 kept from before (empty claims).
    const parts = path.join(sweep, 'parts');
    const claim = (i: number, pid: number, classes: number[]) =>
      writeJson(path.join(parts, `${i}.claim`), {
        pid,
        host: os.hostname(),
        command: 'mwt experiment reuse',
        since: new Date(Date.now() - 8 * 60_000).toISOString(),
        started: null,
        classes,
      });
    for (const i of [0, 1, 2]) fs.writeFileSync(path.join(parts, `${i}.claim`), '');
    claim(3, process.pid, [1, 3, 4, 6]);
    claim(4, 2 ** 22 + 1, [2, 3, 7, 9]); // above Linux's largest process id: no such process
    claim(5, process.pid, [0, 2, 6, 7, 8]);
    writeJson(path.join(parts, '5.json'), {});
    const s = experimentStatus(sweep);
    expect(s.kind).toBe('reuse');
    expect(s.sweeps[0]!.running.map((r) => r.classes)).toEqual([[1, 3, 4, 6]]);
    expect(formatExperimentStatus(s, s.sweeps[0]!.running[0]!.since + 8 * 60_000)).toContain(
      `sub-tasks (${sweep}): 3 of 8 finished, 2 min 0 s each; fine-tuning now: 1,3,4,6 (for 8 min 0 s)`,
    );

    const seeds = tmp();
    writeRun(path.join(seeds, 'seed-0'), { epochs: 5, seconds: [9, 9, 9, 9, 9] });
    writeRun(path.join(seeds, 'seed-1'), { epochs: 5, seconds: [9, 9] });
    writeJson(path.join(seeds, 'seed-0-reuse', 'summary.json'), {});
    const t = experimentStatus(seeds);
    expect(t.kind).toBe('seeds');
    expect(t.runs.map((r) => r.epochsDone)).toEqual([5, 2]);
    expect(t.reuses.map((r) => r.built)).toEqual([true, false]);
    expect(formatExperimentStatus(t, t.lastWritten!)).toContain('sub-task models: 1 of 2 seeds built');
  });

  it('a grid started: the runs begun of those its experiment.json plans, each with its pace and modules, and the command that continues it', () => {
    const grid = tmp();
    // alpha 0.3, 0.9 x beta 1.5 x seeds 0, 1: four runs planned; two begun, one of them finished and cut into modules.
    const options = experimentGridOptionsSchema.parse({
      model: 'simcnn',
      dataset: 'fashion-mnist',
      dataDir: '/data/fm',
      epochs: 5,
      alpha: [0.3, 0.9],
      seeds: [0, 1],
      out: grid,
    });
    writeExperimentRecord(grid, 'grid', options);
    writeRun(path.join(grid, 'a0.3-b1.5-s0'), { epochs: 5, seconds: [9, 9, 9, 9, 9] });
    writeModules(path.join(grid, 'a0.3-b1.5-s0'));
    writeRun(path.join(grid, 'a0.3-b1.5-s1'), { epochs: 5, seconds: [9, 12] });
    const s = experimentStatus(grid);
    expect(s.kind).toBe('grid');
    expect(s.complete).toBe(false);
    expect(s.plannedRuns).toBe(4);
    expect(s.runs.map((r) => [path.basename(r.dir), r.epochsDone])).toEqual([
      ['a0.3-b1.5-s0', 5],
      ['a0.3-b1.5-s1', 2],
    ]);
    expect(s.resumeCommand).toBe(
      `mwt experiment grid --out ${grid} --model simcnn --dataset fashion-mnist --data-dir /data/fm --epochs 5 --alpha 0.3,0.9 --seeds 0,1`,
    );
    const lines = formatExperimentStatus(s, s.lastWritten!).split('\n');
    expect(lines.slice(1)).toEqual([
      '  training runs: 2 of 4 started',
      `  modular simcnn w0.5 on fashion-mnist (${path.join(grid, 'a0.3-b1.5-s0')}): trained, 5 epochs, 9 s an epoch`,
      `  modular simcnn w0.5 on fashion-mnist (${path.join(grid, 'a0.3-b1.5-s1')}): epoch 2 of 5 done, 11 s an epoch, about 32 s left`,
      `  modules of ${path.join(grid, 'a0.3-b1.5-s0')}: built at threshold 0.9`,
      `  modules of ${path.join(grid, 'a0.3-b1.5-s1')}: not built yet`,
    ]);
  });

  it('a training run gives the command that continues it: its settings that differ from the defaults, and --resume', () => {
    const run = path.join(tmp(), 'my run');
    writeRun(run, {
      epochs: 30,
      seconds: [100],
      // beta 1.5 and seed 0 are defaults; momentum has no flag; augment true is the colour default;
      // backend and resume are the last command's, not the run's.
      options: { alpha: 0.7, beta: 1.5, seed: 0, momentum: 0.9, augment: true, backend: 'wasm', resume: true, limit: 6000 },
    });
    expect(resumeCommand(run)).toBe(
      `mwt train --out '${run}' --model simcnn --dataset fashion-mnist --data-dir /data/fm --epochs 30 --width 0.5 --alpha 0.7 --limit 6000 --resume`,
    );
    // A shell reads the quoted words back as they were.
    const odd = path.join(tmp(), "it's a run");
    writeRun(odd, { epochs: 3, seconds: [] });
    const words = execFileSync('bash', ['-c', `printf '%s\\n' ${resumeCommand(odd)}`], { encoding: 'utf8' }).split('\n');
    expect(words.slice(0, 4)).toEqual(['mwt', 'train', '--out', odd]);
    const status = experimentStatus(run);
    expect(status.kind).toBe('train');
    expect(formatExperimentStatus(status, status.lastWritten! + 3600_000)).toContain(`stopped? Continue it with: ${status.resumeCommand}`);
  });

  it('the CLI: one line per part, --json, and a one-line error for a directory that holds no run', async () => {
    const out = tmp();
    writeTrendsRecord(out, 2);
    writeRun(path.join(out, 'modular'), { epochs: 2, seconds: [10] });
    const r = await runCli(['experiment', 'status', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('epoch 1 of 2 done, 10 s an epoch, about 10 s left');
    const json = await runCli(['experiment', 'status', '--out', out, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'trends', complete: false, runs: [{ epochsDone: 1, epochs: 2 }] });
    const empty = await runCli(['experiment', 'status', '--out', tmp()]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim().split('\n')[0]).toMatch(
      /^mwt experiment status: --out: .* holds no mwt run or experiment \(expected run\.json/,
    );
    const file = path.join(out, 'modular', 'run.json');
    const notDir = await runCli(['experiment', 'status', '--out', file]);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr.trim()).toBe(`mwt experiment status: --out: ${file} is a file, not a run or experiment directory`);
  });

  it('a live in-use mark says the work goes on, a dead one that it stopped; a second command on the directory is refused', async () => {
    const out = tmp();
    writeTrendsRecord(out, 30);
    writeRun(path.join(out, 'modular'), { epochs: 30, seconds: [170, 170] });
    // Trends marks OUT and, training its modular run itself, OUT/modular: one process, named once.
    const mark = (pid: number) => {
      const since = new Date(Date.now() - 25 * 60_000).toISOString();
      writeJson(path.join(out, IN_USE_FILE), { pid, host: os.hostname(), command: 'mwt experiment trends', since, started: null });
      writeJson(path.join(out, 'modular', IN_USE_FILE), { pid, host: os.hostname(), command: 'mwt train', since, started: null });
    };
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      mark(child.pid!);
      // Quiet for two hours, yet marked by a live process: running, not "stopped?".
      const status = experimentStatus(out);
      expect(status.inUse).toMatchObject([
        { dir: out, pid: child.pid, alive: true },
        { dir: path.join(out, 'modular'), pid: child.pid, alive: true },
      ]);
      expect(formatExperimentStatus(status, status.lastWritten! + 2 * 3600_000).split('\n')[0]).toMatch(
        new RegExp(
          `^${out}: mwt experiment trends, running: mwt experiment trends \\(process ${child.pid}, for 2 h 2\\d min\\) \\(last written 2 h 0 min ago\\)$`,
        ),
      );
      // The same experiment started again while it runs is refused before any work.
      const again = await runCli([
        'experiment',
        'trends',
        '--model',
        'simcnn',
        '--dataset',
        'fashion-mnist',
        '--data-dir',
        out,
        '--epochs',
        '30',
        '--out',
        out,
      ]);
      expect(again.code).toBe(2);
      expect(again.stderr.trim().split('\n')[0]).toBe(
        `mwt experiment trends: --out: ${out} is in use by mwt experiment trends (process ${child.pid}, since ${JSON.parse(fs.readFileSync(path.join(out, IN_USE_FILE), 'utf8')).since}); wait for it to finish or stop it first`,
      );
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    // Killed without removing its mark: stopped, for certain, a minute after its last write.
    const stopped = experimentStatus(out);
    expect(stopped.inUse[0]!.alive).toBe(false);
    expect(formatExperimentStatus(stopped, stopped.lastWritten! + 60_000)).toContain(
      `not complete, and stopped: mwt experiment trends (process ${child.pid}, for 2`,
    );
    expect(formatExperimentStatus(stopped, stopped.lastWritten! + 60_000)).toContain(
      'ended without finishing. Continue it with: mwt experiment trends --out',
    );
  });

  it('a folder of runs: one line each; the demo is two runs, not a trends experiment; an OUT of an earlier mwt by its files', async () => {
    const runs = tmp();
    writeTrendsRecord(path.join(runs, 'trends-a'), 2);
    writeRun(path.join(runs, 'trends-a', 'modular'), { epochs: 2, seconds: [10, 10] });
    writeRun(path.join(runs, 'one-run'), { epochs: 3, seconds: [5] });
    fs.mkdirSync(path.join(runs, 'not-a-run'));
    const demo = path.join(runs, 'demo'); // what npm start leaves: two runs and a reuse folder
    writeRun(path.join(demo, 'modular'), { epochs: 2, seconds: [10, 10] });
    writeRun(path.join(demo, 'standard'), { standard: true, epochs: 2, seconds: [5, 5] });
    writeJson(path.join(demo, 'reuse-5-9', 'summary.json'), {});
    const all = await runCli(['experiment', 'status', '--out', runs]);
    expect(all.code, all.stderr).toBe(0);
    // Runs and experiments directly inside, in name order (demo/ and not-a-run/ are neither).
    expect(
      all.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/\d+ s ago/, 'N s ago')),
    ).toEqual([
      `${runs}/one-run: mwt train, in progress (last written N s ago)`,
      `${runs}/trends-a: mwt experiment trends, in progress (last written N s ago)`,
    ]);
    const inDemo = await runCli(['experiment', 'status', '--out', demo, '--json']);
    expect(
      (JSON.parse(inDemo.stdout) as { out: string; kind: string; complete: boolean }[]).map((s) => [s.out, s.kind, s.complete]),
    ).toEqual([
      [path.join(demo, 'modular'), 'train', true],
      [path.join(demo, 'standard'), 'train', true],
    ]);
    // A trends OUT of an mwt from before experiment.json: known by its sizes/ (or trends.json, standard.log).
    const older = path.join(tmp(), 'older');
    writeRun(path.join(older, 'modular'), { epochs: 2, seconds: [10] });
    fs.mkdirSync(path.join(older, 'sizes'));
    expect(experimentStatus(older)).toMatchObject({ kind: 'trends', resumeCommand: undefined });
  });
});

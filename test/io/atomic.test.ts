/**
 * The output protocol of src/io/atomic.ts: a directory is swapped whole, and an output's summary
 * (the file that says it is complete) goes before its model is overwritten.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forgetOutput, replaceDirectory, SUMMARY_FILE } from '../../src/io/atomic.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-atomic-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const listing = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort();

describe('replaceDirectory', () => {
  it('puts the staged directory in place of the old one, leaving nothing of the old behind', () => {
    const target = path.join(root, 'modules');
    write(path.join(target, 'modules.json'), 'old');
    write(path.join(target, 'class-0', 'card.json'), 'old card');
    const staged = path.join(root, 'modules.partial');
    write(path.join(staged, 'modules.json'), 'new');
    write(path.join(staged, 'class-0', 'model.json'), 'new model');
    replaceDirectory(staged, target);
    expect(listing(target)).toEqual(['class-0', path.join('class-0', 'model.json'), 'modules.json']);
    expect(fs.readFileSync(path.join(target, 'modules.json'), 'utf8')).toBe('new');
    expect(fs.readdirSync(root).sort()).toEqual(['modules']);
  });

  it('creates the target when there was none, and clears what a killed swap left', () => {
    const target = path.join(root, 'fresh');
    write(path.join(`${target}.old`, 'stale'), 'x');
    const staged = path.join(root, 'fresh.partial');
    write(path.join(staged, 'a'), 'a');
    replaceDirectory(staged, target);
    expect(listing(target)).toEqual(['a']);
    expect(fs.existsSync(`${target}.old`)).toBe(false);
    expect(fs.existsSync(staged)).toBe(false);
  });
});

describe('forgetOutput', () => {
  it('removes the summary and the named files, keeps the rest, and accepts files already gone', () => {
    const out = path.join(root, 'out');
    for (const f of [SUMMARY_FILE, 'card.json', 'model.json', 'weights.bin']) write(path.join(out, f), f);
    forgetOutput(out, ['card.json', 'modules.json']);
    expect(listing(out)).toEqual(['model.json', 'weights.bin']);
    forgetOutput(path.join(root, 'never-made'));
    expect(fs.existsSync(path.join(root, 'never-made'))).toBe(false);
  });
});

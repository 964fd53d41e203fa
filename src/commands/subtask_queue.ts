/**
 * The sub-tasks of one `mwt experiment reuse --parallel` sweep, shared by its two processes
 * through a directory (OUT/parts): a process claims sub-task i by creating `i.claim` (exclusive
 * create, so exactly one process wins it), runs it, and leaves its figures in `i.json`. Each
 * process takes the next sub-task free when it finishes one, so a 5-class sub-task in one process
 * does not hold up the other. Only the first process (the coordinator) writes reuse.json, from
 * the results of both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { markOfThisProcess, type InUseMark } from '../io/in_use.js';
import type { StandardTestLogits } from '../reuse/reuse.js';

/** The directory of OUT that holds the claims and results of a sweep in progress. */
export const PARTS_DIR = 'parts';

/** The standard model's test logits, computed once by the coordinator: the rows of `width` float32s. */
const STANDARD_LOGITS_FILE = (width: number) => `standard-logits.${width}.f32`;
const STANDARD_LOGITS_NAME = /^standard-logits\.(\d+)\.f32$/;

/** A sub-task claimed to run: its place in the plan, its classes, and the process that runs it. */
export type SubtaskClaim = InUseMark & { index: number; classes: number[] };

export class SubtaskQueue<Result> {
  private constructor(readonly dir: string) {}

  /**
   * A fresh queue in `dir` (what an interrupted sweep left there is removed: reuse.json holds what
   * it finished), with the sub-tasks in `done` already claimed.
   */
  static create<Result>(dir: string, done: Iterable<number>): SubtaskQueue<Result> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const queue = new SubtaskQueue<Result>(dir);
    for (const i of done) queue.claim(i);
    return queue;
  }

  /** The queue the coordinator created in `dir`, or null when there is none. */
  static open<Result>(dir: string): SubtaskQueue<Result> | null {
    return fs.existsSync(dir) ? new SubtaskQueue<Result>(dir) : null;
  }

  /**
   * Claims sub-task `i`: true for the one process that gets it, false when another has it. The
   * claim of a sub-task about to run names its classes and this process (`mwt experiment status`
   * lists them as being fine-tuned while the process lives); a finished one's names nothing.
   */
  claim(i: number, classes?: readonly number[]): boolean {
    try {
      const content = classes ? JSON.stringify({ ...markOfThisProcess('mwt experiment reuse'), classes }) : '';
      fs.writeFileSync(path.join(this.dir, `${i}.claim`), content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  /** Leaves the figures of sub-task `i` for the coordinator (written whole or not at all). */
  finish(i: number, result: Result): void {
    writeJsonAtomic(path.join(this.dir, `${i}.json`), result);
  }

  /** The sub-tasks claimed to run and not finished, with their classes and who claimed them. */
  running(): SubtaskClaim[] {
    const found: SubtaskClaim[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d+)\.claim$/.exec(name);
      if (!m || fs.existsSync(path.join(this.dir, `${m[1]}.json`))) continue;
      let claim: Omit<SubtaskClaim, 'index'>;
      try {
        claim = JSON.parse(fs.readFileSync(path.join(this.dir, name), 'utf8')) as Omit<SubtaskClaim, 'index'>;
      } catch {
        continue; // a finished sub-task's empty claim, or one from before claims named their classes
      }
      if (Array.isArray(claim.classes)) found.push({ ...claim, index: Number(m[1]) });
    }
    return found.sort((a, b) => a.index - b.index);
  }

  /** Leaves the standard model's test logits for the second process, which would otherwise compute them again. */
  shareStandardLogits({ logits, width }: StandardTestLogits): void {
    writeFileAtomic(path.join(this.dir, STANDARD_LOGITS_FILE(width)), new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
  }

  /** The logits the coordinator shared, or undefined when it shared none. */
  sharedStandardLogits(): StandardTestLogits | undefined {
    for (const name of fs.readdirSync(this.dir)) {
      const m = STANDARD_LOGITS_NAME.exec(name);
      if (!m) continue;
      const bytes = fs.readFileSync(path.join(this.dir, name));
      // A copy: a Buffer's bytes may start at an offset that a Float32Array cannot.
      const logits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      return { logits, width: Number(m[1]) };
    }
    return undefined;
  }

  /** Every finished sub-task's figures, by index. */
  results(): Map<number, Result> {
    const found = new Map<number, Result>();
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^(\d+)\.json$/.exec(name);
      if (m) found.set(Number(m[1]), readJson<Result>(path.join(this.dir, name), 'sub-task result'));
    }
    return found;
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

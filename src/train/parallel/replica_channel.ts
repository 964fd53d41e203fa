/**
 * Synchronous collective operations between the replicas of a data-parallel step (the main
 * thread and worker threads), over one SharedArrayBuffer.
 *
 * Every replica calls the same collectives in the same order (they run the same model on their
 * share of the batch). A collective writes this replica's data into its own slot, waits at a
 * barrier, then reads every slot. Sums are taken in rank order on every replica, so all replicas
 * get bit-identical results (which keeps their weights identical after the update).
 *
 * Waiting uses Atomics.wait (allowed on Node's main thread). A replica that fails sets the abort
 * flag, so the others throw instead of waiting forever.
 */

/** Control words: barrier count, barrier generation, abort flag. */
const COUNT = 0;
const GENERATION = 1;
const ABORT = 2;
const CONTROL_WORDS = 4;

/** How long a replica waits for the others before giving up (a crashed worker). */
const WAIT_LIMIT_MS = 15 * 60 * 1000;

export interface ChannelBuffers {
  control: SharedArrayBuffer;
  /** size slots of `slotFloats` floats each. */
  slots: SharedArrayBuffer;
  slotFloats: number;
  size: number;
}

export class ReplicaAbortedError extends Error {
  override name = 'ReplicaAbortedError';
}

export function createChannelBuffers(size: number, slotFloats: number): ChannelBuffers {
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    slots: new SharedArrayBuffer(size * slotFloats * 4),
    slotFloats,
    size,
  };
}

export class ReplicaChannel {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;

  constructor(
    readonly buffers: ChannelBuffers,
    readonly rank: number,
  ) {
    if (!Number.isInteger(rank) || rank < 0 || rank >= buffers.size) throw new Error(`replica rank ${rank} outside 0..${buffers.size - 1}`);
    this.control = new Int32Array(buffers.control);
    this.slots = new Float32Array(buffers.slots);
  }

  get size(): number {
    return this.buffers.size;
  }

  /** Tells every replica to stop (they throw ReplicaAbortedError from their next wait). */
  abort(): void {
    Atomics.store(this.control, ABORT, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORT) !== 0;
  }

  /** Returns when every replica has called barrier() as many times as this one. */
  barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, COUNT, 1) === this.size - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (Atomics.load(c, GENERATION) === generation) {
      if (this.aborted) throw new ReplicaAbortedError('data-parallel training stopped: another replica failed');
      if (Date.now() > deadline) throw new ReplicaAbortedError('data-parallel training stopped: a replica did not answer for 15 minutes');
      Atomics.wait(c, GENERATION, generation, 100);
    }
  }

  private slot(rank: number, length: number): Float32Array {
    if (length > this.buffers.slotFloats)
      throw new Error(`replica channel: message of ${length} floats exceeds the slot size ${this.buffers.slotFloats}`);
    return this.slots.subarray(rank * this.buffers.slotFloats, rank * this.buffers.slotFloats + length);
  }

  /** Sums `data` over all replicas, in place (the same bits on every replica). */
  allReduceSum(data: Float32Array): void {
    this.slot(this.rank, data.length).set(data);
    this.barrier();
    data.set(this.slot(0, data.length));
    for (let r = 1; r < this.size; r++) {
      const other = this.slot(r, data.length);
      for (let i = 0; i < data.length; i++) data[i] = data[i]! + other[i]!;
    }
    this.barrier(); // nobody writes its slot again before everyone has read
  }

  /**
   * Concatenates every replica's `data` in rank order. Replicas may contribute different
   * lengths; each must pass the lengths of all (`lengths[r]`).
   */
  allGather(data: Float32Array, lengths: number[]): Float32Array {
    if (lengths[this.rank] !== data.length)
      throw new Error(`replica channel: rank ${this.rank} sends ${data.length} floats, expected ${lengths[this.rank]}`);
    this.slot(this.rank, data.length).set(data);
    this.barrier();
    const out = new Float32Array(lengths.reduce((a, b) => a + b, 0));
    let offset = 0;
    for (let r = 0; r < this.size; r++) {
      out.set(this.slot(r, lengths[r]!), offset);
      offset += lengths[r]!;
    }
    this.barrier();
    return out;
  }

  /** Rank 0's `data` on every replica (the others pass null and the length they expect). */
  broadcast(data: Float32Array | null, length: number): Float32Array {
    if (this.rank === 0) {
      if (data == null || data.length !== length) throw new Error('replica channel: rank 0 must broadcast `length` floats');
      this.slot(0, length).set(data);
    }
    this.barrier();
    const out = this.rank === 0 ? data! : this.slot(0, length).slice();
    this.barrier();
    return out;
  }
}

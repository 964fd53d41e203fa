import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultReplicas, plannedReplicas } from '../../src/train/parallel/parallelism.js';

describe('how a run uses the cores by default', () => {
  const saved = process.env.MWT_WORKERS;
  beforeEach(() => {
    delete process.env.MWT_WORKERS; // vitest.config sets it for the other tests
  });
  afterEach(() => {
    if (saved == null) delete process.env.MWT_WORKERS;
    else process.env.MWT_WORKERS = saved;
  });

  it('one replica per core when each gets at least 32 samples of the batch', () => {
    expect(defaultReplicas(64, 2)).toBe(2);
    expect(defaultReplicas(128, 2)).toBe(2);
    expect(defaultReplicas(32, 2)).toBe(1); // 16 per replica: threads instead
    expect(defaultReplicas(128, 16)).toBe(4); // 32 per replica at most 4
    expect(defaultReplicas(1024, 16)).toBe(8); // at most 8
    expect(defaultReplicas(512, 1)).toBe(1);
  });

  it('MWT_WORKERS overrides the default and is checked', () => {
    process.env.MWT_WORKERS = '3';
    expect(defaultReplicas(32, 2)).toBe(3);
    process.env.MWT_WORKERS = 'two';
    expect(() => defaultReplicas(32, 2)).toThrow(/^MWT_WORKERS: expected an integer from 1 to 16, got 'two'$/);
  });

  it('--workers wins; --threads alone means no workers', () => {
    expect(plannedReplicas({ workers: 3, threads: 2, batchSize: 64 })).toBe(3);
    expect(plannedReplicas({ threads: 2, batchSize: 4096 })).toBe(1);
    expect(plannedReplicas({ batchSize: 16 })).toBe(1);
  });
});

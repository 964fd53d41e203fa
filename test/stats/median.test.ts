import { describe, expect, it } from 'vitest';
import { median } from '../../src/stats/median.js';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two, and refuses no values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });
});

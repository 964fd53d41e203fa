/**
 * How far one figure moves over repeated runs (seeds): the experiment runners report a figure as
 * the mean of its runs with this spread beside it, because at a CPU's budgets one seed is a draw.
 */
import { max, mean, min, std } from 'mathjs';

export interface FigureSpread {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one value. */
  sd: number;
  min: number;
  max: number;
}

/** Mean, sample sd, min and max of `xs`. Pure. */
export function figureSpread(xs: number[]): FigureSpread {
  if (xs.length === 0) throw new Error('figureSpread: no values');
  return { mean: mean(xs), sd: xs.length > 1 ? (std(xs, 'unbiased') as unknown as number) : 0, min: min(xs), max: max(xs) };
}

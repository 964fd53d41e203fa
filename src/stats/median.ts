/**
 * The median of host-side figures (step times, latencies, epoch times): the measure this project
 * reports for timings, because the machines are shared and one slow sample from another process
 * would move a mean.
 */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new Error('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

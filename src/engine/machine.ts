/**
 * What a figure was measured on, recorded in the summary.json of train and reuse.
 *
 * The same seeded command gives other figures on another CPU of the same name: the tensorflow
 * backend's oneDNN and Eigen choose kernels by the vector unit (AVX-512 or AVX2), those round
 * differently, and training amplifies the difference (on the 3-epoch CIFAR-10 setting of issue
 * 15, seed 0 gave 30.5% accuracy on one machine and 25.7% on another; docs/modular-training.md).
 * A figure without its machine cannot be checked again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

/** The widest vector unit that decides conv speed and rounding, as /proc/cpuinfo's flags say. */
export type VectorUnits = 'AVX-512' | 'AVX2, no AVX-512' | 'no AVX2' | 'unknown';

export interface Machine {
  /** The model name /proc/cpuinfo gives ("AMD EPYC"), else Node's os.cpus(). */
  cpu: string;
  vectorUnits: VectorUnits;
  cores: number;
  /** Node.js version. */
  node: string;
}

export function vectorUnitsOf(flags: Iterable<string>): VectorUnits {
  const set = new Set(flags);
  if (set.size === 0) return 'unknown';
  return set.has('avx512f') ? 'AVX-512' : set.has('avx2') ? 'AVX2, no AVX-512' : 'no AVX2';
}

/** The first processor's model name and vector units from the text of /proc/cpuinfo. */
export function parseCpuInfo(text: string): { model: string | null; vectorUnits: VectorUnits } {
  const field = (name: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(name))
      ?.split(':')
      .slice(1)
      .join(':')
      .trim() ?? null;
  const flags = field('flags');
  return { model: field('model name'), vectorUnits: vectorUnitsOf(flags ? flags.split(/\s+/) : []) };
}

/** This machine; off Linux (no /proc/cpuinfo) the vector units are 'unknown'. */
export function describeMachine(): Machine {
  let info: { model: string | null; vectorUnits: VectorUnits } = { model: null, vectorUnits: 'unknown' };
  try {
    info = parseCpuInfo(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // not Linux
  }
  return {
    cpu: info.model ?? os.cpus()[0]?.model ?? 'unknown',
    vectorUnits: info.vectorUnits,
    cores: os.cpus().length,
    node: process.version,
  };
}

/** "AMD EPYC (AVX2, no AVX-512)": the CPU with the vector units that decide its speed and rounding. */
export function formatCpu(m: { cpu: string; vectorUnits: string }): string {
  return m.vectorUnits === 'unknown' ? m.cpu : `${m.cpu} (${m.vectorUnits})`;
}

/** "AMD EPYC (AVX2, no AVX-512), 2 cores". */
export function formatMachine(m: { cpu: string; vectorUnits: string; cores: number }): string {
  return `${formatCpu(m)}, ${m.cores} cores`;
}

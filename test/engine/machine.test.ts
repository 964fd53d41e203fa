import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeMachine, formatMachine, parseCpuInfo, vectorUnitsOf } from '../../src/engine/machine.js';

// Two processors of /proc/cpuinfo, cut down to the fields read.
const cpuinfo = (flags: string) =>
  [
    'processor\t: 0',
    'vendor_id\t: AuthenticAMD',
    'model name\t: AMD EPYC 7B13: 64-Core',
    `flags\t\t: fpu vme ${flags} sse2`,
    '',
    'processor\t: 1',
    'model name\t: AMD EPYC 7B13: 64-Core',
    `flags\t\t: fpu vme ${flags} sse2`,
  ].join('\n');

describe('machine description', () => {
  it('reads the model name (colons kept) and the widest vector unit from /proc/cpuinfo text', () => {
    expect(parseCpuInfo(cpuinfo('avx avx2 fma avx512f avx512bw'))).toEqual({ model: 'AMD EPYC 7B13: 64-Core', vectorUnits: 'AVX-512' });
    expect(parseCpuInfo(cpuinfo('avx avx2 fma')).vectorUnits).toBe('AVX2, no AVX-512');
    expect(parseCpuInfo(cpuinfo('avx')).vectorUnits).toBe('no AVX2');
    // avx512 sub-features without the foundation flag are not AVX-512.
    expect(vectorUnitsOf(['avx2', 'avx512_vnni'])).toBe('AVX2, no AVX-512');
    expect(parseCpuInfo('processor\t: 0\n')).toEqual({ model: null, vectorUnits: 'unknown' });
  });

  it('formats one line and leaves out vector units it does not know', () => {
    expect(formatMachine({ cpu: 'AMD EPYC', vectorUnits: 'AVX2, no AVX-512', cores: 2 })).toBe('AMD EPYC (AVX2, no AVX-512), 2 cores');
    expect(formatMachine({ cpu: 'Apple M2', vectorUnits: 'unknown', cores: 8 })).toBe('Apple M2, 8 cores');
  });

  it('describes this machine', () => {
    const m = describeMachine();
    expect(m.cores).toBe(os.cpus().length);
    expect(m.node).toBe(process.version);
    expect(m.cpu.length).toBeGreaterThan(0);
    if (process.platform === 'linux') expect(m.vectorUnits).not.toBe('unknown');
  });
});

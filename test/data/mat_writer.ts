/**
 * A tiny MAT v5 writer for tests: numeric arrays with a chosen stored type, optional zlib
 * compression, either byte order. Independent of src/data/mat5.ts on purpose.
 */
import { deflateSync } from 'node:zlib';

export interface MatVar {
  name: string;
  /** mx class: 6 double, 9 uint8, ... */
  cls: number;
  dims: number[];
  /** mi type the real part is stored as: 2 uint8, 9 double, ... */
  type: number;
  values: ArrayLike<number>;
}

const SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8 };

function element(type: number, payload: Uint8Array, le: boolean, small = false): Uint8Array {
  if (small && payload.length <= 4) {
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    v.setUint32(0, (payload.length << 16) | type, le);
    out.set(payload, 4);
    return out;
  }
  const out = new Uint8Array(8 + ((payload.length + 7) & ~7));
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, payload.length, le);
  out.set(payload, 8);
  return out;
}

function numbers(type: number, values: ArrayLike<number>, le: boolean): Uint8Array {
  const size = SIZE[type];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const p = i * size;
    switch (type) {
      case 1: v.setInt8(p, x); break;
      case 2: v.setUint8(p, x); break;
      case 3: v.setInt16(p, x, le); break;
      case 4: v.setUint16(p, x, le); break;
      case 5: v.setInt32(p, x, le); break;
      case 6: v.setUint32(p, x, le); break;
      case 7: v.setFloat32(p, x, le); break;
      case 9: v.setFloat64(p, x, le); break;
    }
  }
  return out;
}

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

export function writeMat(vars: MatVar[], opts: { compress?: boolean; littleEndian?: boolean } = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const header = new Uint8Array(128).fill(0x20);
  header.set(Buffer.from('MATLAB 5.0 MAT-file, written by the mwt test suite'), 0);
  header.fill(0, 116, 124);
  new DataView(header.buffer).setUint16(124, 0x0100, le);
  header.set(Buffer.from(le ? 'IM' : 'MI'), 126);
  const parts: Uint8Array[] = [header];
  for (const m of vars) {
    const flags = numbers(6, [m.cls, 0], le);
    const body = concat([
      element(6, flags, le),
      element(5, numbers(5, m.dims, le), le),
      element(1, Buffer.from(m.name, 'latin1'), le, true),
      element(m.type, numbers(m.type, m.values, le), le),
    ]);
    const matrix = element(14, body, le);
    if (opts.compress) {
      const z = deflateSync(matrix);
      const tag = new Uint8Array(8);
      const v = new DataView(tag.buffer);
      v.setUint32(0, 15, le);
      v.setUint32(4, z.length, le);
      parts.push(tag, z); // compressed elements are not padded
    } else {
      parts.push(matrix);
    }
  }
  return concat(parts);
}

/** SVHN-style X (uint8 HxWx3xN, column-major) from NHWC byte images. */
export function svhnX(nhwc: ArrayLike<number>, n: number, h = 32, w = 32, c = 3): number[] {
  const out = new Array<number>(n * h * w * c);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let k = 0; k < c; k++) out[r + h * (col + w * (k + c * i))] = nhwc[((i * h + r) * w + col) * c + k];
  return out;
}

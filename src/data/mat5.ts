/**
 * A minimal reader for MATLAB level-5 MAT files (what `save -v7` and SciPy's `savemat` write),
 * enough for SVHN's cropped-digit files: numeric (and char) arrays, optionally zlib-compressed.
 *
 * Layout: a 128-byte header (text, version 0x0100, endian indicator 'IM' little / 'MI' big),
 * then data elements. Each element has an 8-byte tag (uint32 type, uint32 byte count) and its
 * data padded to 8 bytes, or, when the tag's upper 16 bits are nonzero, the "small element"
 * format: type in the low 16 bits, byte count in the high 16, data in the tag's second word.
 * miCOMPRESSED (15) holds a zlib stream that inflates to one more element; it is not padded.
 * miMATRIX (14) holds sub-elements: array flags, dimensions, name, real part, imaginary part.
 *
 * The stored type of a real part may be narrower than the array's class (MATLAB writes a double
 * array of small integers as miUINT8, say), so values are returned in the *stored* type and
 * callers convert. Large parts are returned as views on the (inflated) file bytes, not copies:
 * SVHN's train X is ~225 MB once inflated.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { inflateSync } from 'node:zlib';

/** Data element types (the "mi" constants of the MAT-file format). */
export const MI = {
  INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9,
  INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18,
} as const;

/** Array classes (the "mx" constants), stored in the low byte of the array flags. */
export const MX_CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single',
  8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};

/** Classes whose real part we decode: the numeric ones and char. */
const DECODED_CLASSES = new Set([4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

export type MatNumericArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface MatVariable {
  name: string;
  /** 'double', 'uint8', 'char', 'cell', ... */
  className: string;
  /** MATLAB dimensions; data is column-major (first index fastest). */
  dims: number[];
  complex: boolean;
  logical: boolean;
  /**
   * Real part in the element's stored type (which may be narrower than the class), column-major.
   * 64-bit integers come back as Float64Array. Absent for cell, struct, object and sparse arrays.
   */
  real?: MatNumericArray;
  /** miXXX type the real part was stored as. */
  storedType?: number;
}

export interface MatFile {
  /** Descriptive text from the header. */
  header: string;
  littleEndian: boolean;
  /** Variables in file order. */
  variables: Map<string, MatVariable>;
}

const HOST_LE = endianness() === 'LE';

type Ctor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): MatNumericArray; BYTES_PER_ELEMENT: number };
const TYPED: Record<number, Ctor> = {
  [MI.INT8]: Int8Array, [MI.UINT8]: Uint8Array, [MI.INT16]: Int16Array, [MI.UINT16]: Uint16Array,
  [MI.INT32]: Int32Array, [MI.UINT32]: Uint32Array, [MI.SINGLE]: Float32Array, [MI.DOUBLE]: Float64Array,
  [MI.UTF8]: Uint8Array, [MI.UTF16]: Uint16Array, [MI.UTF32]: Uint32Array,
};

interface Tag {
  type: number;
  nbytes: number;
  /** Offset of the element's data in the buffer. */
  data: number;
  /** Offset just past the element (after padding). */
  next: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string): never {
    throw new Error(`${this.file}: ${msg}`);
  }

  tag(pos: number, end: number): Tag {
    if (pos + 8 > end) this.fail(`truncated data element at byte ${pos}`);
    const word = this.view.getUint32(pos, this.le);
    let t: Tag;
    if (word >>> 16 !== 0) {
      // Small data element: up to 4 bytes of data packed into the tag itself.
      const nbytes = word >>> 16;
      if (nbytes > 4) this.fail(`small data element at byte ${pos} claims ${nbytes} bytes (at most 4)`);
      t = { type: word & 0xffff, nbytes, data: pos + 4, next: pos + 8 };
    } else {
      const nbytes = this.view.getUint32(pos + 4, this.le);
      // Compressed elements are not padded (MATLAB and SciPy both write the next tag right after).
      const next = word === MI.COMPRESSED ? pos + 8 + nbytes : pos + 8 + pad8(nbytes);
      t = { type: word, nbytes, data: pos + 8, next: Math.min(next, end) };
    }
    if (t.data + t.nbytes > end) {
      this.fail(`data element at byte ${pos} (type ${t.type}) needs ${t.nbytes} bytes, only ${end - t.data} remain`);
    }
    return t;
  }

  /** The element's data as a typed array of its stored type: a view when alignment allows. */
  numbers(t: Tag, what: string): MatNumericArray {
    if (t.type === MI.INT64 || t.type === MI.UINT64) {
      if (t.nbytes % 8 !== 0) this.fail(`${what}: ${t.nbytes} bytes is not a whole number of 64-bit values`);
      const out = new Float64Array(t.nbytes / 8);
      for (let i = 0; i < out.length; i++) {
        const p = t.data + 8 * i;
        const v = t.type === MI.INT64 ? this.view.getBigInt64(p, this.le) : this.view.getBigUint64(p, this.le);
        out[i] = Number(v);
      }
      return out;
    }
    const C = TYPED[t.type];
    if (!C) this.fail(`${what}: unsupported data type ${t.type}`);
    const size = C.BYTES_PER_ELEMENT;
    if (t.nbytes % size !== 0) this.fail(`${what}: ${t.nbytes} bytes is not a whole number of ${size}-byte values`);
    const n = t.nbytes / size;
    const abs = this.bytes.byteOffset + t.data;
    if (size === 1 || (this.le === HOST_LE && abs % size === 0)) return new C(this.bytes.buffer, abs, n);
    if (this.le === HOST_LE) {
      // Misaligned: one copy into a fresh (aligned) buffer.
      return new C(this.bytes.slice(t.data, t.data + t.nbytes).buffer, 0, n);
    }
    // Foreign byte order: decode value by value.
    const out = new C(new ArrayBuffer(t.nbytes), 0, n);
    const get: (p: number) => number = {
      2: (p: number) => (C === Int16Array ? this.view.getInt16(p, this.le) : this.view.getUint16(p, this.le)),
      4: (p: number) =>
        C === Float32Array ? this.view.getFloat32(p, this.le)
        : C === Int32Array ? this.view.getInt32(p, this.le)
        : this.view.getUint32(p, this.le),
      8: (p: number) => this.view.getFloat64(p, this.le),
    }[size]!;
    for (let i = 0; i < n; i++) out[i] = get(t.data + i * size);
    return out;
  }

  /** Parses the contents of an miMATRIX element spanning [start, end). */
  matrix(start: number, end: number): MatVariable | undefined {
    if (start === end) return undefined; // empty matrix element (only legal inside cells)
    const flagsTag = this.tag(start, end);
    if (flagsTag.type !== MI.UINT32 || flagsTag.nbytes < 4) this.fail(`array at byte ${start} has no array-flags sub-element`);
    const flags = this.view.getUint32(flagsTag.data, this.le);
    const cls = flags & 0xff;
    const bits = (flags >>> 8) & 0xff;
    const dimsTag = this.tag(flagsTag.next, end);
    if (dimsTag.type !== MI.INT32) this.fail(`array at byte ${start} has no dimensions sub-element`);
    const dims = Array.from(this.numbers(dimsTag, 'dimensions'));
    const nameTag = this.tag(dimsTag.next, end);
    if (nameTag.type !== MI.INT8 && nameTag.type !== MI.UINT8) this.fail(`array at byte ${start} has no name sub-element`);
    const name = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + nameTag.data, nameTag.nbytes).toString('latin1');
    const v: MatVariable = {
      name,
      className: MX_CLASS_NAMES[cls] ?? `class ${cls}`,
      dims,
      complex: (bits & 0x08) !== 0,
      logical: (bits & 0x02) !== 0,
    };
    if (DECODED_CLASSES.has(cls)) {
      const realTag = this.tag(nameTag.next, end);
      const real = this.numbers(realTag, `variable ${name}`);
      const expected = dims.reduce((a, b) => a * b, 1);
      if (real.length !== expected) {
        this.fail(`variable ${name} has dimensions ${dims.join('x')} (${expected} values) but stores ${real.length}`);
      }
      v.real = real;
      v.storedType = realTag.type;
      // An imaginary part, if any, follows; nothing here needs it.
    }
    return v;
  }
}

/** Parses MAT v5 bytes; `file` names the source in error messages. */
export function parseMat5(bytes: Uint8Array, file = 'MAT file'): MatFile {
  if (bytes.length < 128) throw new Error(`${file}: ${bytes.length} bytes is too short for a MAT-file header (128 bytes)`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, 116).toString('latin1').replace(/[\0 ]+$/, '');
  if (header.startsWith('MATLAB 7.3')) {
    throw new Error(`${file}: MATLAB v7.3 (HDF5) files are not supported; re-save with -v7`);
  }
  const indicator = String.fromCharCode(bytes[126], bytes[127]);
  if (indicator !== 'IM' && indicator !== 'MI') {
    throw new Error(`${file}: not a MATLAB level-5 MAT file (endian indicator ${JSON.stringify(indicator)}, expected "IM" or "MI")`);
  }
  const le = indicator === 'IM';
  const top = new Reader(bytes, le, file);
  const variables = new Map<string, MatVariable>();
  let pos = 128;
  while (pos + 8 <= bytes.length) {
    const t = top.tag(pos, bytes.length);
    let v: MatVariable | undefined;
    if (t.type === MI.COMPRESSED) {
      let inner: Buffer;
      try {
        inner = inflateSync(bytes.subarray(t.data, t.data + t.nbytes));
      } catch (e) {
        throw new Error(`${file}: compressed element at byte ${pos} does not inflate (${(e as Error).message})`, { cause: e });
      }
      const r = new Reader(inner, le, file);
      const it = r.tag(0, inner.length);
      if (it.type === MI.MATRIX) v = r.matrix(it.data, it.data + it.nbytes);
    } else if (t.type === MI.MATRIX) {
      v = top.matrix(t.data, t.data + t.nbytes);
    }
    // Other top-level element types carry nothing we read; skip them.
    if (v) variables.set(v.name, v);
    pos = t.next;
  }
  return { header, littleEndian: le, variables };
}

export function readMat5(path: string): MatFile {
  return parseMat5(readFileSync(path), basename(path));
}

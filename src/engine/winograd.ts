/**
 * Winograd F(2x2, 3x3) convolution (Lavin & Gray, 2016) for 3x3, stride-1, 'same' NHWC convs:
 * forward, input gradient and filter gradient, built from tfjs ops (any backend, tuned for wasm).
 *
 * Each 4x4 input tile gives a 2x2 output tile with 16 multiplies per channel pair instead of 36,
 * so the matmuls that dominate a conv shrink 2.25x; the tile transforms are adds and subtracts.
 * On wasm (one thread, VGG16 at batch 64) forward + both gradients of the 3x3 layers went from
 * 3.8 s to 2.3 s per step (1.65x; 1.3x at 32x32 where transforms weigh most, 1.9x at 8x8 and
 * 4x4). `conv_winograd_wasm.ts` decides per layer whether to use it.
 *
 * Laid out for the wasm backend's fast paths: only rank-3/4 transposes (rank 2, 5 and 6 are
 * 20-250x slower there), slices that copy long contiguous runs (with our Slice kernel,
 * `slice_wasm.ts`), whole-tensor adds, and unbatched, untransposed matMuls (XNNPACK).
 *
 * Notation: tiles t are ordered (j, n, i) (j: tile column, n: image, i: tile row), so
 * T = W/2 * N * H/2; a tile element xi = 4 * r + s (r: row in the 4x4 tile, s: column).
 * B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]],
 * A^T = [[1,1,1,0],[0,1,-1,-1]].
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Tiles per matmul of the filter gradient: XNNPACK packs the [T, Co] operand on every call, which
 * for T = 16384 costs twice the product; chunks of 4096 summed measured best of {all, 2048, 4096}.
 */
const FILTER_GRAD_CHUNK = 4096;

/** True when winograd*3x3 computes this conv: 3x3 filter, stride 1, dilation 1, 'same' (pad 1), even H and W. */
export function winogradFits(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | readonly number[],
  pad: unknown,
  dilations: number | readonly number[] = 1,
): boolean {
  const [kh, kw] = filterShape;
  const [, h, w] = xShape;
  const ones = (v: number | readonly number[]) => (typeof v === 'number' ? v === 1 : v.every((d) => d === 1));
  const samePad = pad === 'same' || pad === 1 || (Array.isArray(pad) && JSON.stringify(pad) === '[[0,0],[1,1],[1,1],[0,0]]');
  return kh === 3 && kw === 3 && ones(strides) && ones(dilations) && samePad && h! % 2 === 0 && w! % 2 === 0 && h! >= 2 && w! >= 2;
}

/** Combination of 3 taps by G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]]: 3 tensors -> 4. */
function applyG(t: tf.Tensor[]): tf.Tensor[] {
  const s02 = tf.add(t[0]!, t[2]!);
  return [t[0]!, tf.mul(tf.add(s02, t[1]!), 0.5), tf.mul(tf.sub(s02, t[1]!), 0.5), t[2]!];
}

/** w [3,3,C,Co] -> U: 16 tensors [C, Co], U = G w G^T. */
function filterTransform(w: tf.Tensor4D): tf.Tensor2D[] {
  const [, , c, co] = w.shape;
  const w9 = tf.reshape(w, [9, c * co]);
  const tap = (k: number) => tf.slice(w9, [k, 0], [1, c * co]);
  // rows first: R[i] is 3 tensors (columns l)
  const cols = [0, 1, 2].map((l) => applyG([tap(l), tap(3 + l), tap(6 + l)])); // cols[l][i]
  const U: tf.Tensor2D[] = new Array(16);
  for (let i = 0; i < 4; i++) {
    const row = applyG([cols[0]![i]!, cols[1]![i]!, cols[2]![i]!]);
    for (let j = 0; j < 4; j++) U[4 * i + j] = tf.reshape(row[j]!, [c, co]) as tf.Tensor2D;
  }
  return U;
}

/** U of the spatially flipped filter with in/out swapped (for dx): G J = P G with P swapping rows 0 and 3,
 * so U'[i][j] = U[p(i)][p(j)]^T, p = [3, 1, 2, 0]. */
function flipSwapU(U: tf.Tensor2D[]): tf.Tensor2D[] {
  return U.map((_, xi) => {
    const p = [3, 1, 2, 0];
    const src = U[4 * p[xi >> 2]! + p[xi & 3]!]!;
    const [c, co] = src.shape;
    // rank-3 transpose (rank-2 is slow on wasm): [c, co] -> [co, c]
    const a = c % 2 === 0 ? 2 : 1;
    return tf.reshape(tf.transpose(tf.reshape(src, [a, c / a, co]), [2, 0, 1]), [co, c]) as tf.Tensor2D;
  });
}

/** B^T combination over 4 taps: [d0-d2, d1+d2, d2-d1, d1-d3]. */
function applyBT(d: tf.Tensor[]): tf.Tensor[] {
  return [tf.sub(d[0]!, d[2]!), tf.add(d[1]!, d[2]!), tf.sub(d[2]!, d[1]!), tf.sub(d[1]!, d[3]!)];
}

/** V = B^T d B. x [N,H,W,C] (H, W even) -> 16 tensors [T, C], tile order (j, n, i). */
function inputTransform(x: tf.Tensor4D): tf.Tensor2D[] {
  const [n, h, w, c] = x.shape;
  const hp = h + 2,
    wp = w + 2,
    h2 = h / 2,
    w2 = w / 2,
    T = n * h2 * w2;
  const xp = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  // [n, hp/2, 2r, wp*c] -> [2r, n, hp/2, wp*c], viewed as [2r*n, hp/2*wp*c]
  const P = tf.reshape(tf.transpose(tf.reshape(xp, [n, hp / 2, 2, wp * c]), [2, 0, 1, 3]), [2 * n, (hp / 2) * wp * c]);
  const d = [0, 1, 2, 3].map((r) => tf.slice(P, [(r & 1) * n, (r >> 1) * wp * c], [n, h2 * wp * c]));
  const R = applyBT(d); // each [n, h2*wp*c] = [n*h2, wp/2, 2s, c]
  const V: tf.Tensor2D[] = new Array(16);
  for (let i = 0; i < 4; i++) {
    // [n*h2, wp/2, 2s, c] -> [2s, wp/2, n*h2, c], viewed as [2s*wp/2, n*h2*c]
    const Q = tf.reshape(tf.transpose(tf.reshape(R[i]!, [n * h2, wp / 2, 2, c]), [2, 1, 0, 3]), [wp, n * h2 * c]);
    const e = [0, 1, 2, 3].map((s) => tf.reshape(tf.slice(Q, [(s & 1) * (wp / 2) + (s >> 1), 0], [w2, n * h2 * c]), [T, c]));
    const v = applyBT(e);
    for (let j = 0; j < 4; j++) V[4 * i + j] = v[j] as tf.Tensor2D;
  }
  return V;
}

/** A^T combination over 4 taps: [m0+m1+m2, m1-m2-m3]. */
function applyAT(m: tf.Tensor[]): tf.Tensor[] {
  return [tf.add(tf.add(m[0]!, m[1]!), m[2]!), tf.sub(tf.sub(m[1]!, m[2]!), m[3]!)];
}

/** Y = A^T M A; M: 16 tensors [T, Co] (tile order (j, n, i)) -> [N,H,W,Co]. */
function outputTransform(M: tf.Tensor2D[], n: number, h: number, w: number): tf.Tensor4D {
  const co = M[0]!.shape[1];
  const h2 = h / 2,
    w2 = w / 2;
  const cols = [0, 1, 2, 3].map((j) => applyAT([M[j]!, M[4 + j]!, M[8 + j]!, M[12 + j]!])); // cols[j][a]
  const y: tf.Tensor[] = [];
  for (let a = 0; a < 2; a++) {
    const yb = applyAT([cols[0]![a]!, cols[1]![a]!, cols[2]![a]!, cols[3]![a]!]);
    y.push(yb[0]!, yb[1]!); // y[2a+b]
  }
  // [a, b, w2, n*h2, co] -> [n*h2, a, b, w2, co] -> [n*h2, a, w2, b, co]
  const st = tf.reshape(
    tf.concat(
      y.map((t) => tf.reshape(t, [1, -1])),
      0,
    ),
    [4 * w2, n * h2, co],
  );
  const s1 = tf.reshape(tf.transpose(st, [1, 0, 2]), [n * h2 * 2, 2, w2, co]);
  return tf.reshape(tf.transpose(s1, [0, 2, 1, 3]), [n, h, w, co]) as tf.Tensor4D;
}

function convFromU(x: tf.Tensor4D, U: tf.Tensor2D[]): tf.Tensor4D {
  const [n, h, wd] = x.shape;
  const V = inputTransform(x);
  const M = V.map((v, xi) => tf.matMul(v, U[xi]!));
  const y = outputTransform(M as tf.Tensor2D[], n, h, wd);
  return y;
}

/** y = conv2d(x, w, stride 1, 'same') for a 3x3 filter w [3, 3, C, Co]; H and W even. */
export function winogradConv3x3(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => convFromU(x, filterTransform(w)));
}

/**
 * dx of winogradConv3x3 (a 'same' conv of dy with the flipped, in/out-swapped filter), reusing
 * the forward filter transform re-indexed instead of flipping the filter.
 */
export function winogradInputGrad3x3(dy: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => convFromU(dy, flipSwapU(filterTransform(w))));
}

/** dM = A dY A^T per tile, row/col 3 sign-flipped (fixed in the final transform). dy [N,H,W,Co] -> 16 x [T, Co]. */
function gradOutputTransform(dy: tf.Tensor4D): tf.Tensor2D[] {
  const [n, h, w, co] = dy.shape;
  const h2 = h / 2,
    w2 = w / 2,
    T = n * h2 * w2;
  // [n*h2, a, w2, b*co] -> [a, w2, n*h2, b, co]; then [a*w2*n*h2, b, co] -> [b, a, w2, n*h2, co]
  const s1 = tf.transpose(tf.reshape(dy, [n * h2, 2, w2, 2 * co]), [1, 2, 0, 3]);
  const s2 = tf.reshape(tf.transpose(tf.reshape(s1, [2 * T, 2, co]), [1, 0, 2]), [4, T * co]);
  const p = [0, 1, 2, 3].map((k) => tf.reshape(tf.slice(s2, [k, 0], [1, T * co]), [T, co])); // p[2b+a]
  const y = (a: number, b: number) => p[2 * b + a]!;
  const expand = (t0: tf.Tensor, t1: tf.Tensor) => [t0, tf.add(t0, t1), tf.sub(t0, t1), t1];
  const rowsB = [0, 1].map((b) => expand(y(0, b), y(1, b))); // rowsB[b][i]
  const out: tf.Tensor2D[] = new Array(16);
  for (let i = 0; i < 4; i++) {
    const e = expand(rowsB[0]![i]!, rowsB[1]![i]!);
    for (let j = 0; j < 4; j++) out[4 * i + j] = e[j] as tf.Tensor2D;
  }
  return out;
}

/** (G^T S) combination, 4 taps -> 3: [d0 + .5(d1+d2), .5(d1-d2), .5(d1+d2) - d3]. */
function applyGTS(d: tf.Tensor[]): tf.Tensor[] {
  const h12 = tf.mul(tf.add(d[1]!, d[2]!), 0.5);
  return [tf.add(d[0]!, h12), tf.mul(tf.sub(d[1]!, d[2]!), 0.5), tf.sub(h12, d[3]!)];
}

/** [r, c] -> [c, r] via a rank-3 transpose (rank-2 transposes are ~20x slower on wasm). */
function transpose2d(v: tf.Tensor2D): tf.Tensor2D {
  const [r, c] = v.shape;
  const t1 = r % 64 === 0 ? 64 : 1;
  return tf.reshape(tf.transpose(tf.reshape(v, [t1, r / t1, c]), [2, 0, 1]), [c, r]) as tf.Tensor2D;
}

/**
 * dW [3,3,C,Co] from V (16 x [T,C]) and dM (16 x [T,Co]). `kChunk`: split the reduction over
 * tiles into chunks of at most this many rows (XNNPACK packs the [T, Co] operand on every call,
 * which is slow for very long T).
 */
function filterGradFromV(V: tf.Tensor2D[], dM: tf.Tensor2D[], kChunk = Infinity): tf.Tensor4D {
  const [T, c] = V[0]!.shape;
  const co = dM[0]!.shape[1];
  let chunks = 1;
  while (T / chunks > kChunk && T % (chunks * 2) === 0) chunks *= 2;
  const q = T / chunks;
  const dU = V.map((v, xi) => {
    if (chunks === 1) return tf.matMul(transpose2d(v), dM[xi]!);
    const parts: tf.Tensor[] = [];
    for (let k = 0; k < chunks; k++) {
      parts.push(tf.matMul(transpose2d(tf.slice(v, [k * q, 0], [q, c])), tf.slice(dM[xi]!, [k * q, 0], [q, co])));
    }
    return tf.addN(parts);
  });
  const rows = [0, 1, 2, 3].map((j) => applyGTS([dU[j]!, dU[4 + j]!, dU[8 + j]!, dU[12 + j]!])); // rows[j][k]
  const taps: tf.Tensor[] = new Array(9);
  for (let k = 0; k < 3; k++) {
    const e = applyGTS([rows[0]![k]!, rows[1]![k]!, rows[2]![k]!, rows[3]![k]!]);
    for (let l = 0; l < 3; l++) taps[3 * k + l] = tf.reshape(e[l]!, [1, c * co]);
  }
  const dw = tf.reshape(tf.concat(taps, 0), [3, 3, c, co]) as tf.Tensor4D;
  return dw;
}

/** dW [3, 3, C, Co] of winogradConv3x3 from its input x and output gradient dy. */
export function winogradFilterGrad3x3(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => filterGradFromV(inputTransform(x), gradOutputTransform(dy), FILTER_GRAD_CHUNK));
}

/**
 * Streaming backprop for tfjs-core's engine.gradients (used by tf.variableGrads, tf.grads, ...).
 *
 * tfjs-core keeps every intermediate gradient (the dy of every tensor of the forward graph) and
 * every tensor saved for the backward pass alive until the whole backward pass ends: its
 * backpropagateGradients only disposes a gradient when it accumulates a second one into it, and
 * engine.gradients disposes the saved tensors after the loop. For a CNN that is one
 * activation-sized gradient per op (conv, BN, ReLU, add, mask multiply...) on top of the
 * saved activations: the peak of a step is ~2.5x the saved activations.
 *
 * This replacement walks the tape the same way, in the same order, with the same checks and the
 * same arithmetic (so the gradients are bit-identical), and frees as it goes:
 * - a node's output gradients once the node's input gradients are computed (each tensor is the
 *   output of one node, and the tape is processed in reverse topological order, so nothing reads
 *   them again); a gradient object that is also the gradient of another tensor (a gradient
 *   function returned its dy unchanged) is kept until its last reference goes;
 * - a node's saved tensors once its gradient is computed (first-order gradients only, like the
 *   stock code's final cleanup); the saved tensors of nodes not on any x -> y path right away.
 */
import * as tf from '@tensorflow/tfjs-core';

type Tensor = tf.Tensor;
interface TapeNode {
  id: number;
  kernelName: string;
  outputs: Tensor[];
  inputs: Record<string, Tensor>;
  gradient?: (dys: (Tensor | null)[]) => Record<string, () => Tensor>;
  saved?: Tensor[];
}

/** tfjs-core's getFilteredNodesXToY (tape.ts, Apache-2.0), unchanged. */
function getFilteredNodesXToY(tape: TapeNode[], xs: Tensor[], y: Tensor): TapeNode[] {
  const tensorsFromX: Record<number, boolean> = {};
  const nodesFromX: Record<number, boolean> = {};
  for (const x of xs) tensorsFromX[x.id] = true;
  for (const node of tape) {
    for (const inputName in node.inputs) {
      if (tensorsFromX[node.inputs[inputName]!.id]) {
        node.outputs.forEach((o) => (tensorsFromX[o.id] = true));
        nodesFromX[node.id] = true;
        break;
      }
    }
  }
  const tensorsLeadToY: Record<number, boolean> = { [y.id]: true };
  const nodesToY: Record<number, boolean> = {};
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => tensorsLeadToY[o.id])) {
      for (const inputName in node.inputs) {
        tensorsLeadToY[node.inputs[inputName]!.id] = true;
        nodesToY[node.id] = true;
      }
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (nodesFromX[node.id] && nodesToY[node.id]) {
      const prunedInputs: Record<string, Tensor> = {};
      for (const inputName in node.inputs) {
        const input = node.inputs[inputName]!;
        if (tensorsFromX[input.id]) prunedInputs[inputName] = input;
      }
      filtered.push({ ...node, inputs: prunedInputs, outputs: node.outputs });
    }
  }
  return filtered;
}

const arraysEqual = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

let installed = false;
let stockGradients: unknown = null;

/** The tfjs-core line this replacement was written against (it uses engine internals). */
export const STREAMING_GRADIENTS_TFJS = '4.22.x';
const WRITTEN_FOR = /^4\.22\./;

/**
 * Replaces engine.gradients (idempotent). On another tfjs-core version it throws and the stock
 * backward pass stays: correct, only hungrier for memory (installSpeedups says so once on stderr;
 * package.json pins tfjs to the version this was written for).
 */
export function installStreamingGradients(): void {
  if (installed) return;
  if (!WRITTEN_FOR.test(tf.version_core)) throw new Error(`written for tfjs-core ${STREAMING_GRADIENTS_TFJS}, this is ${tf.version_core}`);
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const engine = tf.engine() as any;
  stockGradients = engine.gradients;
  engine.gradients = function gradients(f: () => Tensor, xs: Tensor[], dy?: Tensor, allowNoGradients = false) {
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    const y: Tensor = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy('forward', f),
    );
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const activeTape: TapeNode[] = this.state.activeTape;
    const tape = getFilteredNodesXToY(activeTape, xs, y);
    if (!allowNoGradients && tape.length === 0 && xs.length > 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.',
      );
    }
    const firstOrder = this.state.gradientDepth === 0;
    return this.tidy('backward', () => {
      const dispose = (t: Tensor) => t.dispose();
      if (firstOrder) {
        // Saved tensors of nodes off every x -> y path are never read.
        const onPath = new Set(tape.map((n) => n.id));
        for (const node of activeTape) if (!onPath.has(node.id)) node.saved?.forEach(dispose);
      }
      const acc = new Map<number, Tensor>(); // tensor id -> its accumulated gradient
      const refs = new Map<Tensor, number>(); // gradient object -> entries of acc holding it
      const protect = new Set<Tensor>(); // never freed here: the caller's dy
      const set = (id: number, g: Tensor) => {
        acc.set(id, g);
        refs.set(g, (refs.get(g) ?? 0) + 1);
      };
      const release = (id: number) => {
        const g = acc.get(id);
        if (g == null) return;
        acc.delete(id);
        const n = refs.get(g)! - 1;
        if (n > 0) refs.set(g, n);
        else {
          refs.delete(g);
          if (!protect.has(g)) g.dispose();
        }
      };
      const seed = dy == null ? tf.ones(y.shape) : dy;
      if (dy != null) protect.add(dy);
      set(y.id, seed);
      const wanted = new Set(xs.map((x) => x.id));
      for (let i = tape.length - 1; i >= 0; i--) {
        const node = tape[i]!;
        const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
        if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const inputGradients = node.gradient(dys as Tensor[]);
        for (const inputName in node.inputs) {
          if (!(inputName in inputGradients)) {
            throw new Error(`Cannot backprop through input ${inputName}. Available gradients found: ${Object.keys(inputGradients)}.`);
          }
          const dx: Tensor = this.tidy(() => inputGradients[inputName]!());
          if (dx.dtype !== 'float32') {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${inputName} must have 'float32' dtype, but has '${dx.dtype}'`,
            );
          }
          const x = node.inputs[inputName]!;
          if (!arraysEqual(dx.shape, x.shape)) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${inputName}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          if (!acc.has(x.id)) set(x.id, dx);
          else {
            const sum = tf.add(acc.get(x.id)!, dx);
            release(x.id);
            set(x.id, sum);
            if (!refs.has(dx) && !protect.has(dx) && !dys.includes(dx)) dx.dispose();
          }
        }
        // Every reader of these gradients has run.
        for (const o of node.outputs) if (!wanted.has(o.id)) release(o.id);
        if (firstOrder)
          node.saved?.forEach((t) => {
            if (!refs.has(t)) t.dispose();
          });
      }
      const grads = xs.map((x) => acc.get(x.id));
      if (firstOrder) {
        activeTape.forEach((node) => node.saved?.forEach(dispose));
        this.state.activeTape = null;
      }
      return { value: y, grads };
    });
  };
}

/**
 * Puts tfjs-core's own engine.gradients back (the tensorflow backend keeps tfjs as published;
 * see backend.ts).
 */
export function uninstallStreamingGradients(): void {
  if (!installed) return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (tf.engine() as any).gradients = stockGradients;
  installed = false;
}

/**
 * Per-kernel wall-clock profile of a backend, by wrapping its kernel registry.
 *
 * tf.profile counts a kernel that runs other kernels (our custom conv gradients do) twice, and
 * its timings on wasm are per call only. Here every kernel of the backend is re-registered with a
 * timing wrapper that keeps a call stack, so each kernel gets its *self* time (nested kernels
 * subtracted) and its total time. The wasm backend is synchronous, so performance.now() around a
 * kernel call is the kernel's cost. Time outside any kernel (autodiff bookkeeping, tensor
 * allocation in JS) is what remains of the wall time.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

export interface KernelTime {
  kernel: string;
  calls: number;
  /** Time inside this kernel minus time in kernels it called. */
  selfMs: number;
  /** Time inside this kernel, nested kernels included. */
  totalMs: number;
}

export interface KernelProfile {
  /** Time of the whole run on the chosen clock. */
  wallMs: number;
  /** Sorted by self time, largest first. */
  kernels: KernelTime[];
  /** Wall time not spent inside any kernel (JS-side engine work). */
  outsideKernelsMs: number;
}

interface Frame {
  childMs: number;
}

/**
 * 'wall': performance.now(). 'cpu': this process's CPU time (user + system), which on a machine
 * shared with other jobs is much closer to what the kernel would take alone (the wasm backend
 * runs on one thread, so process CPU time is that thread's time plus a little GC).
 */
export type ProfileClock = 'wall' | 'cpu';

function clockFn(clock: ProfileClock): () => number {
  if (clock === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

/**
 * Runs `fn` with every kernel of `backendName` timed, then restores the original kernels.
 * `fn` may be async; it must use only the named backend.
 */
export interface ProfileOptions {
  clock?: ProfileClock;
  /** Report each kernel once per distinct input-shape combination (name "Kernel [shapes]"). */
  byShape?: boolean;
}

export async function profileKernels(
  backendName: string,
  fn: () => unknown | Promise<unknown>,
  options: ProfileOptions = {},
): Promise<KernelProfile> {
  const { clock = 'wall', byShape = false } = options;
  const now = clockFn(clock);
  const originals = tf.getKernelsForBackend(backendName);
  const times = new Map<string, KernelTime>();
  const stack: Frame[] = [];

  const wrap = (config: KernelConfig): KernelConfig => {
    const inner = config.kernelFunc;
    const timed: KernelFunc = (args) => {
      const frame: Frame = { childMs: 0 };
      stack.push(frame);
      const start = now();
      try {
        return inner(args);
      } finally {
        const elapsed = now() - start;
        stack.pop();
        if (stack.length > 0) stack[stack.length - 1]!.childMs += elapsed;
        const key = byShape
          ? `${config.kernelName} ${Object.values(args.inputs)
              .filter((i) => i != null)
              .map((i) => `[${i!.shape.join(',')}]`)
              .join(' ')}`
          : config.kernelName;
        let t = times.get(key);
        if (t == null) times.set(key, (t = { kernel: key, calls: 0, selfMs: 0, totalMs: 0 }));
        t.calls++;
        t.totalMs += elapsed;
        t.selfMs += elapsed - frame.childMs;
      }
    };
    // setupFunc already ran when the backend was initialised; only the call is replaced.
    return { kernelName: config.kernelName, backendName, kernelFunc: timed, disposeFunc: config.disposeFunc };
  };

  const swap = (configs: KernelConfig[]) => {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, backendName);
      tf.registerKernel(c);
    }
  };

  swap(originals.map(wrap));
  const start = now();
  try {
    await fn();
  } finally {
    swap(originals);
  }
  const wallMs = now() - start;
  const kernels = [...times.values()].sort((a, b) => b.selfMs - a.selfMs);
  const inKernels = kernels.reduce((s, k) => s + k.selfMs, 0);
  return { wallMs, kernels, outsideKernelsMs: wallMs - inKernels };
}

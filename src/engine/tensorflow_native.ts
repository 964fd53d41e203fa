/**
 * Where the native TensorFlow backend lives and how it is loaded.
 *
 * `mwt setup tensorflow` (src/setup/tensorflow.ts) builds @tensorflow/tfjs-node against the
 * TensorFlow C library of a pip wheel into a cache directory outside the project, because its
 * own install step downloads libtensorflow from a host we cannot reach and `npm ci` would wipe
 * anything built inside node_modules. This file finds that build and loads it so that it
 * registers its 'tensorflow' backend in *our* tfjs engine: tfjs-node's `require`s of tfjs-core,
 * tfjs-layers and tfjs-backend-cpu are redirected to the project's copies (same version, 4.22),
 * so there is one kernel registry, one Tensor class and one layers serialisation map.
 *
 * Kept free of tfjs imports: the setup command and the CLI use the paths without the engine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Module, { createRequire } from 'node:module';

export const TFJS_NODE_VERSION = '4.22.0';
export const TENSORFLOW_VERSION = '2.21.0';

/** What a finished build writes last (its presence means the build is complete). */
export const MARKER = 'mwt-build.json';

export interface BuildInfo {
  tfjsNode: string;
  tensorflow: string;
  wheel: string;
  node: string;
  builtAt: string;
}

/**
 * The build directory: MWT_TENSORFLOW_DIR, else `$XDG_CACHE_HOME/mwt/...` (default ~/.cache),
 * named by both versions so that another version never reuses a stale build.
 */
export function tensorflowBuildDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MWT_TENSORFLOW_DIR) return path.resolve(env.MWT_TENSORFLOW_DIR);
  const cache = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(cache, 'mwt', `tfjs-node-${TFJS_NODE_VERSION}-tf${TENSORFLOW_VERSION}`);
}

/** The build's record when the build is complete, else null. */
export function readBuildInfo(dir = tensorflowBuildDir()): BuildInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, MARKER), 'utf8')) as BuildInfo;
  } catch {
    return null;
  }
}

/** The compiled addon of a build (tfjs-node looks for it there, N-API 8). */
export function bindingPath(dir: string): string {
  return path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'lib', 'napi-v8', 'tfjs_binding.node');
}

/**
 * Environment TensorFlow reads once, when its library loads; a value the user set wins.
 * - TF_ENABLE_ONEDNN_OPTS=1: through the C API oneDNN is off unless asked for; with it a VGG16
 *   step takes about half the CPU time.
 * - intra-op threads = cores (each kernel split over all of them); inter-op 1: eager ops run one
 *   after the other, so a second pool would only compete with the first.
 * - TF_CPP_MIN_LOG_LEVEL=2: no INFO or WARNING lines from the library on every start (errors
 *   stay one line, as the CLI promises).
 */
export function tensorflowEnvironment(cores = os.availableParallelism(), env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const wanted: Record<string, string> = {
    TF_ENABLE_ONEDNN_OPTS: '1',
    TF_NUM_INTRAOP_THREADS: String(cores),
    TF_NUM_INTEROP_THREADS: '1',
    TF_CPP_MIN_LOG_LEVEL: '2',
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(wanted)) out[k] = env[k] ?? v;
  return out;
}

/** Packages tfjs-node must share with the project rather than load a second copy of. */
const SHARED = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu'];

let redirected: string | null = null;

/** Makes `require`s of the shared packages from inside `dir` resolve to the project's copies. */
function redirectShared(dir: string): void {
  if (redirected === dir) return;
  const ours = createRequire(import.meta.url);
  const targets = new Map(SHARED.map((p) => [p, ours.resolve(p)]));
  const prefix = dir + path.sep;
  type Resolve = (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
  const m = Module as unknown as { _resolveFilename: Resolve };
  const original = m._resolveFilename;
  m._resolveFilename = function (request, parent, ...rest) {
    const target = targets.get(request);
    if (target != null && parent?.filename?.startsWith(prefix)) return target;
    return original.call(this, request, parent, ...rest);
  };
  redirected = dir;
}

/**
 * Loads the cached build (setting tensorflowEnvironment() first). Returns false when there is no
 * complete build; throws when there is one and it fails to load (a broken build should say so).
 */
export function loadCachedTensorflow(dir = tensorflowBuildDir()): boolean {
  if (readBuildInfo(dir) == null || !fs.existsSync(bindingPath(dir))) return false;
  Object.assign(process.env, tensorflowEnvironment());
  redirectShared(dir);
  createRequire(path.join(dir, 'package.json'))('@tensorflow/tfjs-node');
  return true;
}

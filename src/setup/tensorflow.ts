/**
 * `mwt setup tensorflow` / `npm run setup:tensorflow`: builds the native TensorFlow backend
 * (@tensorflow/tfjs-node with TensorFlow's C library and oneDNN) without tfjs-node's own
 * download step, which fetches libtensorflow from a host outside the package registries.
 *
 * Instead: tfjs-node's tarball and its dependencies come from the npm registry (install scripts
 * off), the C library and its headers from the pip wheel tensorflow-cpu (it ships
 * libtensorflow_cc.so.2, libtensorflow_framework.so.2 and tensorflow/include), and node-gyp
 * (inside npm) compiles tfjs-node's own binding.gyp against the installed Node headers.
 * Everything goes to tensorflowBuildDir() (~/.cache/mwt/...), outside the project, so `npm ci`
 * keeps it and a fresh clone finds it. The build is staged in a sibling directory and renamed
 * into place when it loads, so an interrupted build never looks finished; a second run is a
 * no-op. It is never part of `npm install`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bindingPath,
  MARKER,
  readBuildInfo,
  TENSORFLOW_VERSION,
  TFJS_NODE_VERSION,
  tensorflowBuildDir,
  type BuildInfo,
} from '../engine/tensorflow_native.js';

export class SetupError extends Error {
  override name = 'SetupError';
}

export interface SetupOptions {
  /** Build directory (default tensorflowBuildDir()). */
  dir?: string;
  /** A tensorflow-cpu wheel already on disk (else MWT_TENSORFLOW_WHEEL, else pip downloads it). */
  wheel?: string;
  /** Rebuild even when a finished build is there. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface SetupResult {
  dir: string;
  built: boolean;
  info: BuildInfo;
  seconds: number;
}

const WHEEL_SPEC = `tensorflow-cpu==${TENSORFLOW_VERSION}`;

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a command; on failure throws one line naming the step and the command's last words. */
function run(step: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const res = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (res.error) throw new SetupError(`setup tensorflow: ${step}: cannot run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    const last = `${res.stderr ?? ''}\n${res.stdout ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^(WARNING|gyp info|npm warn)/i.test(l))
      .pop();
    throw new SetupError(`setup tensorflow: ${step} failed (${cmd} exited ${res.status})${last ? `: ${last.slice(0, 300)}` : ''}`);
  }
  return res.stdout ?? '';
}

/** node-gyp as shipped inside npm (next to this Node, or under npm's global prefix). */
function findNodeGyp(): string | null {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((p) => fs.existsSync(p)) ?? null;
}

interface Tools {
  python: string;
  compiler: string;
  make: string;
  npm: string;
  nodeGyp: string;
  nodePrefix: string;
}

/** Everything the build needs, or one line naming the first thing missing. */
export function checkPrerequisites(): Tools {
  const missing = (what: string, fix: string) => new SetupError(`setup tensorflow: ${what} not found (${fix})`);
  const python = which('python3') ?? which('python');
  if (python == null) throw missing('python3', 'node-gyp and pip need it: apt-get install python3');
  const pip = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (pip.status !== 0) throw missing(`pip for ${python}`, 'apt-get install python3-pip');
  const compiler = which(process.env.CXX ?? 'g++') ?? which('c++') ?? which('clang++');
  if (compiler == null) throw missing('a C++ compiler (g++, c++ or clang++)', 'apt-get install g++');
  const make = which('make');
  if (make == null) throw missing('make', 'apt-get install make');
  const npm = which('npm');
  if (npm == null) throw missing('npm', 'it installs tfjs-node from the npm registry');
  const nodeGyp = findNodeGyp();
  if (nodeGyp == null) throw missing('node-gyp', 'it ships inside npm; reinstall npm');
  // Debian's nodejs (and the official tarballs) install the headers under <prefix>/include/node.
  const nodePrefix = path.resolve(path.dirname(process.execPath), '..');
  if (!fs.existsSync(path.join(nodePrefix, 'include', 'node', 'node_api.h'))) {
    throw missing(
      `Node headers (${path.join(nodePrefix, 'include', 'node', 'node_api.h')})`,
      'apt-get install libnode-dev, or a Node.js build that ships include/node',
    );
  }
  return { python, compiler, make, npm, nodeGyp, nodePrefix };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The wheel: the one given, else pip download (from pip's configured index or its cache). */
function obtainWheel(tools: Tools, into: string, given: string | undefined, log: (s: string) => void): string {
  if (given) {
    if (!fs.existsSync(given)) throw new SetupError(`setup tensorflow: --wheel / MWT_TENSORFLOW_WHEEL: no such file '${given}'`);
    log(`using the wheel ${given} (${mib(fs.statSync(given).size)})`);
    return given;
  }
  log(`downloading ${WHEEL_SPEC} with pip (about 274 MB; only its TensorFlow C library and headers are used)`);
  fs.mkdirSync(into, { recursive: true });
  // Few retries: an unreachable index among several configured ones should not stall for minutes.
  run(`pip download ${WHEEL_SPEC}`, tools.python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    '--retries',
    '1',
    '--timeout',
    '30',
    '-d',
    into,
    WHEEL_SPEC,
  ]);
  const wheel = fs.readdirSync(into).find((f) => f.startsWith(`tensorflow_cpu-${TENSORFLOW_VERSION}-`) && f.endsWith('.whl'));
  if (wheel == null) throw new SetupError(`setup tensorflow: pip download ${WHEEL_SPEC} left no wheel in ${into}`);
  return path.join(into, wheel);
}

/** Python script: copies the two libraries to deps/lib and the headers to deps/include. */
const EXTRACT = `
import os, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}
found = set()
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('/'):
            continue
        if name in libs:
            dst = os.path.join(deps, 'lib', os.path.basename(name)); found.add(name)
        elif name.startswith('tensorflow/include/'):
            dst = os.path.join(deps, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(info) as src, open(dst, 'wb') as out:
            shutil.copyfileobj(src, out, 1 << 20)
if found != libs:
    sys.exit('the wheel lacks ' + ', '.join(sorted(libs - found)))
`;

/** Builds (or finds) the native backend. */
export async function setupTensorflow(opts: SetupOptions = {}): Promise<SetupResult> {
  const started = Date.now();
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const dir = path.resolve(opts.dir ?? tensorflowBuildDir());
  const existing = readBuildInfo(dir);
  if (existing != null && fs.existsSync(bindingPath(dir)) && !opts.force) {
    log(`tensorflow backend already built in ${dir} (TensorFlow ${existing.tensorflow}, tfjs-node ${existing.tfjsNode}); nothing to do`);
    return { dir, built: false, info: existing, seconds: (Date.now() - started) / 1000 };
  }
  const tools = checkPrerequisites();
  const stage = `${dir}.partial-${process.pid}`;
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  try {
    fs.writeFileSync(
      path.join(stage, 'package.json'),
      JSON.stringify({ name: 'mwt-tensorflow-backend', private: true, description: 'built by mwt setup tensorflow' }, null, 2) + '\n',
    );
    log(
      `installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} and its dependencies from the npm registry, install scripts off (about 300 MB unpacked)`,
    );
    run(
      'npm install @tensorflow/tfjs-node',
      tools.npm,
      [
        'install',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--loglevel=error',
        `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`,
      ],
      { cwd: stage },
    );
    const pkg = path.join(stage, 'node_modules', '@tensorflow', 'tfjs-node');
    const wheel = obtainWheel(tools, path.join(stage, 'wheel'), opts.wheel ?? process.env.MWT_TENSORFLOW_WHEEL, log);
    log('extracting libtensorflow_cc.so.2, libtensorflow_framework.so.2 and the headers from the wheel');
    const deps = path.join(pkg, 'deps');
    run('extract the wheel', tools.python, ['-c', EXTRACT, wheel, deps]);
    // binding.gyp links -ltensorflow -ltensorflow_framework; the wheel names them .so.2.
    fs.symlinkSync('libtensorflow_cc.so.2', path.join(deps, 'lib', 'libtensorflow.so'));
    fs.symlinkSync('libtensorflow_framework.so.2', path.join(deps, 'lib', 'libtensorflow_framework.so'));
    log('compiling the tfjs-node binding with node-gyp (about a minute)');
    run(
      'node-gyp rebuild',
      process.execPath,
      [
        tools.nodeGyp,
        'rebuild',
        `--nodedir=${tools.nodePrefix}`,
        '--module_name=tfjs_binding',
        `--module_path=${path.dirname(bindingPath(stage))}`,
        '--napi_build_version=8',
      ],
      {
        cwd: pkg,
        env: { ...process.env, CXX: tools.compiler },
      },
    );
    // Only the compiled binding and the libraries are needed from here on.
    fs.rmSync(path.join(deps, 'include'), { recursive: true, force: true });
    fs.rmSync(path.join(pkg, 'build'), { recursive: true, force: true });
    fs.rmSync(path.join(stage, 'wheel'), { recursive: true, force: true });
    // Load it in a fresh process: the library must load and report its version.
    const version = run(
      'load the built binding',
      process.execPath,
      ['-e', `process.stdout.write(require(${JSON.stringify(bindingPath(stage))}).TF_Version)`],
      {
        env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
      },
    ).trim();
    if (version !== TENSORFLOW_VERSION)
      throw new SetupError(`setup tensorflow: the built binding reports TensorFlow '${version}', expected ${TENSORFLOW_VERSION}`);
    const info: BuildInfo = {
      tfjsNode: TFJS_NODE_VERSION,
      tensorflow: version,
      wheel: path.basename(wheel),
      node: process.version,
      builtAt: new Date().toISOString(),
    };
    const marker = path.join(stage, MARKER);
    fs.writeFileSync(`${marker}.tmp`, JSON.stringify(info, null, 2) + '\n');
    fs.renameSync(`${marker}.tmp`, marker);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(stage, dir);
    const seconds = (Date.now() - started) / 1000;
    log(
      `tensorflow backend built in ${dir} (TensorFlow ${version}, ${seconds.toFixed(0)} s); mwt now picks it by default, --backend wasm chooses wasm`,
    );
    return { dir, built: true, info, seconds };
  } catch (error) {
    fs.rmSync(stage, { recursive: true, force: true });
    throw error;
  }
}

/** The CLI's `mwt setup <backend>`: only tensorflow needs a setup step. */
export async function setupCommand(backend: string, opts: { wheel?: string; force?: boolean }): Promise<void> {
  if (backend !== 'tensorflow') {
    const { UsageError } = await import('../errors.js');
    throw new UsageError(`setup: unknown backend '${backend}', expected tensorflow (wasm and cpu need no setup)`);
  }
  await setupTensorflow({ wheel: opts.wheel, force: opts.force === true });
}

// mwt as a user gets it: `npm pack`, `npm install ./mwt-*.tgz` in an empty app and nothing else,
// then the README's library example, copied verbatim, compiles in strict NodeNext mode with
// mwt's own declarations checked, and runs; `npx mwt` runs from dist/, without tsx.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../reliability/cli.js';
import { readBuildInfo } from '../../src/engine/tensorflow_native.js';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** Settings vitest.config.ts gives the test project, which a user's shell does not have. */
const USER_UNSET = ['MWT_BACKEND', 'MWT_WASM_THREADS', 'MWT_WORKERS', 'TF_NUM_INTRAOP_THREADS'];
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The first ```ts block under `## Library` in the README. */
export function readmeLibraryExample(readme: string): string {
  const section = readme.slice(readme.indexOf('\n## Library\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no ```ts block under ## Library');
  return block[1]!;
}

describe('the packed package in a scratch app', () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'mwt-app-'));
  let tarball: string;

  beforeAll(() => {
    // `npm pack` runs `prepare`, so the tarball holds a fresh build of dist/.
    const packed = npm(['pack', '--pack-destination', app, '--json'], ROOT);
    tarball = path.join(app, (JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[])[0]!.filename);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    npm(['install', tarball], app);
  }, 600_000);

  it('ships the compiled library, its declarations and the bundled sample, not the sources', () => {
    const pkg = path.join(app, 'node_modules', 'mwt');
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/scripts/cli.js',
      'bin/mwt.js',
      'data/fashion-mnist-sample/train-images-idx3-ubyte.gz',
      'LICENSE',
    ]) {
      expect(fs.existsSync(path.join(pkg, f)), f).toBe(true);
    }
    expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'test'))).toBe(false);
    // tsx is a development dependency: an installed mwt can only run from dist/.
    expect(fs.existsSync(path.join(app, 'node_modules', 'tsx'))).toBe(false);
  });

  it('npx mwt runs from dist/', () => {
    const r = spawnSync('npx', ['mwt', 'models'], { cwd: app, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['vgg16', 'resnet18', 'simcnn', 'rescnn']);
    const bad = spawnSync('npx', ['mwt', 'train', '--model', 'vgg19'], { cwd: app, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe("mwt train: --model: unknown model 'vgg19', expected one of vgg16, resnet18, simcnn, rescnn");
  });

  it("the README's library example compiles (strict, NodeNext, declarations checked) and runs", () => {
    fs.writeFileSync(path.join(app, 'example.ts'), readmeLibraryExample(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')));
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['example.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: app, encoding: 'utf8' });
    // Errors inside tfjs's own declarations are tfjs's; none may come from mwt or the example.
    const ours = tsc.stdout.split('\n').filter((l) => /^(example\.ts|node_modules\/mwt\/)/.test(l));
    expect(ours).toEqual([]);
    expect(fs.existsSync(path.join(app, 'out', 'example.js')), tsc.stdout).toBe(true);

    // As a user runs it: the test project's pins (MWT_BACKEND=wasm, one thread) are dropped, so the
    // package picks its own backend (tensorflow where `mwt setup tensorflow` has built it).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !USER_UNSET.includes(k)));
    const run = spawnSync(process.execPath, ['out/example.js'], { cwd: app, encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    // train: accuracy, kernel rate, backend; modules: KRR, cohesion, coupling; reuse: accuracy, FLOP reduction.
    const [acc, kernelRate, backend] = lines[0]!.split(' ');
    expect(Number(acc)).toBeGreaterThan(0.3);
    expect(Number(kernelRate)).toBeGreaterThan(0);
    // The installed package finds the tensorflow backend built in ~/.cache/mwt, else uses wasm.
    expect(backend).toBe(readBuildInfo() != null ? 'tensorflow' : 'wasm');
    expect(
      lines[1]!
        .split(' ')
        .map(Number)
        .every((x) => x > 0 && x <= 1),
    ).toBe(true);
    expect(lines).toContain('fine-tune done');
    expect(lines).toContain('latency done');
    const [subAccuracy, flopReduction] = lines[lines.length - 2]!.split(' ').map(Number);
    expect(subAccuracy).toBeGreaterThan(0.6); // sandal vs ankle boot: chance is 0.5
    expect(flopReduction).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toBe('1');
    expect(fs.existsSync(path.join(app, 'runs', 'sim', 'modules', 'class-5', 'model.json'))).toBe(true);
  }, 900_000);
});

/**
 * Start-up cost of the CLI: CPU seconds (user + system) and wall seconds of `mwt --help`,
 * `mwt models` and every command's `--help`, run from the compiled dist/ as an installed package
 * runs. The target (issue 12) is under 1 s of CPU each: these commands must not load tfjs.
 * Rewrites the "## Start-up" section of BENCHMARKS.md.
 *
 *   npx tsx scripts/bench_startup.ts [--repeats 5] [--out BENCHMARKS.md]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from '../src/reuse/latency.js';
import { writeSection } from './benchmarks_md.js';

const HEADING = '## Start-up';
const ROOT = path.resolve(import.meta.dirname, '..');
const MWT = path.join(ROOT, 'bin', 'mwt.js');
const COMMANDS = [
  ['--help'],
  ['models'],
  ['train', '--help'],
  ['modularize', '--help'],
  ['reuse', '--help'],
  ['experiment', 'reuse', '--help'],
  ['report', '--help'],
  ['bench', '--help'],
];

// The child's own CPU time: python's getrusage(RUSAGE_CHILDREN) around one run of it.
const RUSAGE = `
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime, time.perf_counter() - t)
`;

function timeOnce(args: string[]): { cpu: number; wall: number } {
  const out = execFileSync('python3', ['-c', RUSAGE, process.execPath, MWT, ...args], { encoding: 'utf8' });
  const [cpu, wall] = out.trim().split(' ').map(Number);
  return { cpu: cpu!, wall: wall! };
}

function main() {
  const argv = process.argv.slice(2);
  const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
  const repeats = Number(option('--repeats', '5'));
  const out = option('--out', path.join(ROOT, 'BENCHMARKS.md'));
  // Measure what an installed package runs: a fresh dist/.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const rows = COMMANDS.map((args) => {
    timeOnce(args); // warm the file cache
    const runs = Array.from({ length: repeats }, () => timeOnce(args));
    const cpu = median(runs.map((r) => r.cpu));
    const wall = median(runs.map((r) => r.wall));
    process.stderr.write(`mwt ${args.join(' ')}: ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall\n`);
    return `| \`mwt ${args.join(' ')}\` | ${cpu.toFixed(2)} | ${wall.toFixed(2)} |`;
  });
  const cpuName = spawnSync('lscpu', { encoding: 'utf8' }).stdout?.match(/Model name:\s*(.+)/)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  const section = [
    HEADING,
    '',
    `\`npx tsx scripts/bench_startup.ts --repeats ${repeats}\` (part of \`npm run bench\`), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC,`,
    `${cpuName}, ${os.cpus().length} cores, Node.js ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} at the end.`,
    `Median of ${repeats} runs of the compiled CLI (\`node bin/mwt.js\`, as an installed package runs it). Target: under 1 s of CPU each;`,
    'these commands load commander and the option lists only, never tfjs.',
    '',
    '| command | CPU s (user + system) | wall s |',
    '|---|---:|---:|',
    ...rows,
    '',
  ].join('\n');
  writeSection(out, HEADING, section);
  process.stderr.write(`written to ${out}\n`);
}

main();

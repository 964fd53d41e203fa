/**
 * Start-up cost of the CLI: CPU seconds (user + system) and wall seconds of `mwt --help`,
 * `mwt models` and every command's `--help` (read from the CLI's own command tree, so a new
 * command is measured without editing this file), run from the compiled dist/ as an installed
 * package runs. The target (issue 12) is under 1 s of CPU each: these commands must not load tfjs.
 * Rewrites the "## Start-up" section of BENCHMARKS.md.
 *
 *   npx tsx scripts/bench_startup.ts [--repeats 5] [--out BENCHMARKS.md]
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { median } from '../src/stats/median.js';
import { machineLine, measuredAt, writeSection } from './benchmarks_md.js';
import { buildProgram } from './cli.js';

const HEADING = '## Start-up';
const ROOT = path.resolve(import.meta.dirname, '..');
const MWT = path.join(ROOT, 'bin', 'mwt.js');
/** `--help` of every command that runs something (a leaf of the tree), below `mwt --help` and `mwt models`. */
function commandsToTime(): string[][] {
  const leaves = (cmd: Command, at: string[]): string[][] =>
    cmd.commands.length === 0 ? [[...at, '--help']] : cmd.commands.flatMap((sub) => leaves(sub, [...at, sub.name()]));
  return [['--help'], ['models'], ...leaves(buildProgram(), []).filter((args) => args[0] !== 'models')];
}

// The child's own CPU time: python's getrusage(RUSAGE_CHILDREN) after one run of it, less the
// same before it: python's start-up may already have waited for children of its own (0.26 s of
// CPU on the Zen 5 machine of 2026-12-06; the figures before that date did not subtract it).
const RUSAGE = `
import resource, subprocess, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
before = cpu()
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(cpu() - before, time.perf_counter() - t)
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
  const rows = commandsToTime().map((args) => {
    timeOnce(args); // warm the file cache
    const runs = Array.from({ length: repeats }, () => timeOnce(args));
    const cpu = median(runs.map((r) => r.cpu));
    const wall = median(runs.map((r) => r.wall));
    process.stderr.write(`mwt ${args.join(' ')}: ${cpu.toFixed(2)} s CPU, ${wall.toFixed(2)} s wall\n`);
    return `| \`mwt ${args.join(' ')}\` | ${cpu.toFixed(2)} | ${wall.toFixed(2)} |`;
  });
  const section = [
    HEADING,
    '',
    `\`npx tsx scripts/bench_startup.ts --repeats ${repeats}\` (part of \`npm run bench\`), ${measuredAt()},`,
    `${machineLine()}, Node.js ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} at the end.`,
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

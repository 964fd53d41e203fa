/**
 * The runs of `mwt report --compare` as Markdown tables (`--markdown FILE`), for a README, a
 * paper's appendix or an issue: the same summary as the page's "Runs compared" table, then each
 * measure at a few epochs, one row per run, as the paper's Figure 6 would read in numbers.
 */
import { lastValue, type ComparedRun } from './compare.js';
import { COMPARED_CURVES } from './html_compare.js';
import { num, pct } from './format.js';

/**
 * The epochs a per-epoch table shows for runs of `n` epochs: the first, the last and three
 * between them at a sixth, a third and two thirds (1, 5, 10, 20, 30 for 30 epochs).
 */
export function tableEpochs(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) return [];
  const picks = [1, Math.round(n / 6), Math.round(n / 3), Math.round((2 * n) / 3), n].filter((e) => e >= 1);
  return [...new Set(picks)].sort((a, b) => a - b);
}

/** A Markdown table cell: pipes escaped, newlines flattened. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function table(header: string[], align: ('l' | 'r')[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The value of `key` at `epoch`, when the run reached it and recorded the measure. */
function valueAt(run: ComparedRun, key: string, epoch: number): number | null {
  const point = run.metrics.find((m) => m.epoch === epoch) as Record<string, unknown> | undefined;
  const v = point?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Accuracy and the kernel rate read as percentages (as in the summary), the losses as numbers. */
function formatMeasure(key: string, v: number | null): string {
  if (key === 'testAccuracy') return pct(v);
  if (key === 'kernelRate') return pct(v, 1);
  return num(v, 3);
}

export function comparisonMarkdown(runs: ComparedRun[]): string {
  const summary = table(
    [
      'run',
      'directory',
      'epochs',
      'test accuracy',
      'cohesion loss',
      'coupling loss',
      'kernel rate',
      'threshold',
      'KRR',
      'cohesion',
      'coupling',
    ],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    runs.map((r) => {
      const last = (key: string) => lastValue(r.metrics, key);
      const m = r.modules;
      return [
        r.label,
        `\`${r.name}\``,
        num(r.metrics.length),
        pct(last('testAccuracy')),
        num(last('cohesionLoss'), 3),
        num(last('couplingLoss'), 3),
        pct(last('kernelRate'), 1),
        num(m?.threshold, 2),
        pct(m?.kernelRetentionRate),
        num(m?.cohesion, 3),
        num(m?.coupling, 3),
      ];
    }),
  );
  const epochs = tableEpochs(Math.max(0, ...runs.map((r) => r.metrics.length)));
  const perEpoch = Object.entries(COMPARED_CURVES)
    .filter(([key]) => runs.some((r) => lastValue(r.metrics, key) != null))
    .map(([key, { title }]) => {
      const rows = runs.map((r) => [r.label, ...epochs.map((e) => formatMeasure(key, valueAt(r, key, e)))]);
      return `### ${title.replace(/ by run$/, '')}, per epoch\n\n${table(
        ['run', ...epochs.map((e) => `ep. ${e}`)],
        ['l', ...epochs.map(() => 'r' as const)],
        rows,
      )}`;
    });
  return [
    '## Runs compared',
    '',
    "Test accuracy, the losses and the kernel rate are the last epoch's; KRR, cohesion and coupling are the modules' (`mwt modularize`, at its threshold), a dash where a run has none.",
    '',
    summary,
    ...perEpoch.flatMap((t) => ['', t]),
    '',
  ].join('\n');
}

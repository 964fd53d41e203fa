/**
 * The "Runs compared" section (`mwt report --compare DIR...`): a table of each run's last epoch
 * and modules, then one chart per training measure with a line per run, like Figure 6 of the
 * MwT paper (the effect of alpha and beta on modular training).
 */
import type { ReportData } from './data.js';
import { lastValue, type ComparedRun } from './compare.js';
import { chartCard } from './chart_card.js';
import { escapeHtml as esc } from './escape.js';
import { note, num, pct } from './format.js';

/** The measures drawn, in the paper's order (coupling, cohesion, accuracy), then the kernel rate. */
export const COMPARED_CURVES: Record<string, { title: string; caption: string }> = {
  couplingLoss: {
    title: 'Coupling loss by run',
    caption: 'Mask similarity between images of different classes, per epoch: lower means classes share fewer kernels.',
  },
  cohesionLoss: {
    title: 'Cohesion loss by run',
    caption: 'One minus the mask similarity between images of the same class, per epoch: lower means a class uses one set of kernels.',
  },
  testAccuracy: {
    title: 'Test accuracy by run',
    caption:
      'Held-out accuracy after each epoch. In the paper it barely moves with alpha and beta after 200 epochs; short runs are more sensitive.',
  },
  kernelRate: {
    title: 'Kernels used per image by run',
    caption: 'Average share of kernels switched on for one image: where each setting puts the model between accuracy and module size.',
  },
};

const hasCurve = (runs: ComparedRun[], key: string) => runs.some((r) => lastValue(r.metrics, key) != null);

function comparedTable(runs: ComparedRun[]): string {
  const rows = runs.map((r) => {
    const last = (key: string) => lastValue(r.metrics, key);
    const m = r.modules;
    return `<tr><th scope="row">${esc(r.label)}</th><td><code>${esc(r.name)}</code></td><td>${num(r.metrics.length)}</td><td>${pct(last('testAccuracy'))}</td><td>${num(last('cohesionLoss'), 3)}</td><td>${num(last('couplingLoss'), 3)}</td><td>${pct(last('kernelRate'), 1)}</td><td>${num(m?.threshold, 2)}</td><td>${pct(m?.kernelRetentionRate)}</td><td>${num(m?.cohesion, 3)}</td><td>${num(m?.coupling, 3)}</td></tr>`;
  });
  return `<table class="compare">
<thead><tr><th scope="col">run</th><th scope="col">directory</th><th scope="col">epochs</th><th scope="col">test accuracy</th><th scope="col">cohesion loss</th><th scope="col">coupling loss</th><th scope="col">kernel rate</th><th scope="col">threshold</th><th scope="col">KRR</th><th scope="col">cohesion</th><th scope="col">coupling</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

export function compareSection(data: ReportData): string {
  const runs = data.compared;
  if (runs == null) return '';
  const keys = Object.keys(COMPARED_CURVES).filter((k) => hasCurve(runs, k));
  return `<section id="compare">
<h2>Runs compared</h2>
<p>This run beside the runs given with <code>--compare</code>, each named by the settings that differ between them, laid out like Figure 6 of the MwT paper. Test accuracy, the losses and the kernel rate are the last epoch's; KRR, cohesion and coupling are the modules' (<code>mwt modularize</code>, at its threshold), a dash where a run has none.${runs.some((r) => r.seeds) ? ' A line marked "mean of seeds" stands for runs that differ only in their seed (<code>--mean-over-seeds</code>): each figure is their mean, per epoch over the epochs all of them reached.' : ''}</p>
${note(data, 'compare')}
${comparedTable(runs)}
${keys.length ? `<div class="grid">${keys.map((k) => chartCard(`chart-compare-${k}`, 'compare', k, COMPARED_CURVES[k]!.title, COMPARED_CURVES[k]!.caption, `${COMPARED_CURVES[k]!.title} per epoch`)).join('\n')}</div>` : ''}
</section>`;
}

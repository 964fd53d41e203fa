/**
 * Turns ReportData into one self-contained HTML page: inline CSS, the run data as a JSON blob,
 * the Chart.js bundle and the page script inline, so it opens offline from a file:// URL.
 *
 * The server side decides which charts exist (one <canvas data-chart=...> each, with a caption
 * for newcomers); the page script only draws them. Tables (header numbers, heatmap, sweep
 * values, reuse numbers) are plain HTML so they read without JavaScript and with a screen reader.
 */
import { escapeHtml as esc, inlineScriptSource, jsonForScript } from './escape.js';
import { PAGE_SCRIPT } from './page_script.js';
import type { EpochPoint, KernelHeatmap, ModuleOverlap, ReportData, ReuseEntry } from './data.js';
import { STYLE } from './style.js';
import { cardsSection, composeSection, replaceSection, repositorySection } from './html_modules.js';
import { formatMachine } from '../engine/machine.js';
import { bigNumber, DASH, isNum, ms, note, num, pct, secs } from './format.js';
import { chartCard } from './chart_card.js';
import { compareSection } from './html_compare.js';

export { pct, num } from './format.js';

// --- sections

function aboutSection(): string {
  return `<section id="about" class="intro">
<h2>What is this?</h2>
<p>A normal convolutional network (CNN) uses nearly all of its convolution <em>kernels</em> (filters) for every image.
<strong>Modularizing-while-training (MwT)</strong> trains the network so that each class uses only its own small set of kernels:
each convolution layer gets a tiny <em>mask generator</em> that switches kernels on or off for each image, and two extra losses
steer it. The <em>cohesion</em> loss makes images of the same class use the same kernels; the <em>coupling</em> loss makes
different classes use different kernels. After training, the kernels a class relies on are cut out as that class's
<em>module</em>, and modules of a few classes can be combined into a small model for a sub-task (for example "sneaker or
bag?") that is cheaper than the whole network. This page shows how one training run went and what its modules look like.</p>
</section>`;
}

function summarySection(data: ReportData): string {
  const s = data.run.summary;
  const info = data.run.info;
  const std = data.curves.standardSummary;
  const m = data.modules;
  const tiles: [string, string, string][] = [];
  if (s) {
    tiles.push([
      data.curves.runLabel === 'modular' ? 'modular model accuracy' : 'test accuracy',
      pct(s.testAccuracy),
      'share of test images classified correctly after the last epoch',
    ]);
    if (std) tiles.push(['standard model accuracy', pct(std.testAccuracy), 'the same network trained the usual way, for comparison']);
    if (isNum(s.kernelRate))
      tiles.push(['kernels used per image', pct(s.kernelRate, 1), 'average share of kernels switched on for an image in the last epoch']);
  }
  if (m) {
    tiles.push([
      'kernel retention rate',
      pct(m.kernelRetentionRate, 1),
      `average share of the model's kernels a module keeps (threshold \u03c4 = ${num(m.threshold, 2)})`,
    ]);
    tiles.push(['cohesion', num(m.cohesion), 'how alike the kernel sets of images of one class are (1 = identical)']);
    tiles.push(['coupling', num(m.coupling), 'how much modules of different classes overlap (0 = not at all)']);
  }
  const rows: [string, string][] = [];
  const opts = (info?.options ?? {}) as Record<string, unknown>;
  const model = s?.model ?? info?.spec.name;
  if (model)
    rows.push([
      'model',
      `${model}${info ? ` (width ${info.spec.width}, ${info.spec.numClasses} classes, input ${info.spec.inputShape.join('\u00d7')})` : ''}`,
    ]);
  const dataset = s?.dataset ?? info?.dataset;
  if (dataset) rows.push(['dataset', `${dataset}${isNum(opts.limit) ? ` (limited to ${opts.limit} training images)` : ''}`]);
  rows.push(['training', data.curves.runLabel === 'modular' ? 'modular (MwT)' : 'standard (cross-entropy only)']);
  if (s?.backend) rows.push(['backend', s.backend]);
  if (s?.machine) rows.push(['machine', formatMachine(s.machine)]);
  if (isNum(s?.epochs)) rows.push(['epochs', String(s.epochs)]);
  if (isNum(s?.secondsPerEpoch))
    rows.push([
      'seconds per epoch',
      `${s.secondsPerEpoch.toFixed(1)}${isNum(s.imagesPerSecond) ? ` (${s.imagesPerSecond.toFixed(1)} images/s)` : ''}`,
    ]);
  if (std && isNum(std.secondsPerEpoch)) rows.push(['standard run, seconds per epoch', std.secondsPerEpoch.toFixed(1)]);
  const hyper = ['batchSize', 'lr', 'alpha', 'beta', 'seed'].filter((k) => opts[k] !== undefined).map((k) => `${k} ${String(opts[k])}`);
  if (hyper.length) rows.push(['settings', hyper.join(', ')]);
  if (data.curves.standardDir) rows.push(['standard run', data.curves.standardDir]);
  return `<section id="summary">
<h2>Summary</h2>
${note(data, 'summary')}
${tiles.length ? `<div class="tiles">${tiles.map(([k, v, help]) => `<div class="tile"><div class="value">${esc(v)}</div><div class="label">${esc(k)}</div><div class="help">${esc(help)}</div></div>`).join('\n')}</div>` : ''}
${rows.length ? `<table class="kv">${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}</table>` : ''}
</section>`;
}

const CURVE_TEXT: Record<string, { title: string; caption: string }> = {
  testAccuracy: {
    title: 'Test accuracy',
    caption:
      'Share of the held-out test images classified correctly after each epoch. The modular model should end close to the standard one; in the paper the price of modularity is about one percentage point.',
  },
  trainAccuracy: {
    title: 'Training accuracy',
    caption:
      'The same on the training images, measured while training (with augmentation and dropout on), so it can trail the test accuracy early on.',
  },
  couplingLoss: {
    title: 'Coupling loss',
    caption:
      'How much images of <em>different</em> classes use the same kernels: the average similarity of their masks (0 = no shared kernels, 1 = identical). MwT pushes it down, so that each class ends up with its own kernels.',
  },
  cohesionLoss: {
    title: 'Cohesion loss',
    caption:
      'One minus how similar the masks of images of the <em>same</em> class are. Low means all images of a class use the same kernels, so a module can be read off for the class.',
  },
  kernelRate: {
    title: 'Kernels used per image',
    caption:
      'Average share of kernels the mask generators switch on for one image. A standard network effectively uses almost all of them; MwT learns to use fewer, which is what makes modules small.',
  },
  ceLoss: { title: 'Cross-entropy loss', caption: 'The ordinary classification loss, averaged over the epoch. Lower is better.' },
};

function hasValues(points: EpochPoint[] | null, key: string): boolean {
  return (points ?? []).some((p) => isNum((p as Record<string, unknown>)[key]));
}

function curvesSection(data: ReportData): string {
  const { run, standard } = data.curves;
  const keys = Object.keys(CURVE_TEXT).filter((k) => hasValues(run, k) || hasValues(standard, k));
  const maskNote =
    standard && data.curves.runLabel === 'modular'
      ? '<p class="note">The standard model has no mask generators, so its coupling, cohesion and kernel rate are not measured during training; those charts show the modular run alone.</p>'
      : '';
  const legend = standard ? '<p>Solid blue: modular training (MwT). Dashed orange: standard training of the same network.</p>' : '';
  return `<section id="curves">
<h2>Training curves</h2>
<p>How the run evolved epoch by epoch, laid out like Figure 5 of the MwT paper (Qi et al., ICSE 2024).</p>
${legend}
${note(data, 'curves')}${note(data, 'standard')}${keys.length ? maskNote : ''}
${keys.length ? `<div class="grid">${keys.map((k) => chartCard(`chart-${k}`, 'curve', k, CURVE_TEXT[k]!.title, CURVE_TEXT[k]!.caption, `${CURVE_TEXT[k]!.title} per epoch`)).join('\n')}</div>` : ''}
</section>`;
}

/** Light-to-dark blue for 0..1 ("Blues"), with text colour that stays readable on it. */
function heatColor(fraction: number): { bg: string; fg: string } {
  const f = Math.min(1, Math.max(0, fraction));
  const from = [247, 251, 255];
  const to = [8, 48, 107];
  const c = from.map((a, i) => Math.round(a + (to[i]! - a) * f));
  return { bg: `rgb(${c.join(',')})`, fg: f > 0.5 ? '#fff' : '#111' };
}

function legend(label: string): string {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const { bg, fg } = heatColor(f);
    return `<span style="background:${bg};color:${fg}">${f * 100}%</span>`;
  });
  return `<p class="legend" aria-hidden="true">${esc(label)}: ${stops.join('')}</p>`;
}

function heatmapTable(h: KernelHeatmap): string {
  const maxKept = Math.max(1, ...h.rows.flatMap((r) => r.kept));
  const withCohesion = h.rows.some((r) => r.cohesion != null);
  const withCoupling = h.rows.some((r) => r.coupling != null);
  const anyLowered = h.rows.some((r) => r.lowered.some(Boolean));
  const head = h.layers
    .map(
      (l, i) =>
        `<th scope="col"><span class="layer">${esc(l)}</span>${h.totals[i] != null ? `<span class="cnt">${esc(h.totals[i])} kernels</span>` : ''}</th>`,
    )
    .join('');
  const body = h.rows
    .map((r) => {
      const cells = r.kept
        .map((k, i) => {
          const f = r.fraction[i];
          const { bg, fg } = heatColor(f ?? k / maxKept);
          const mark = r.lowered[i] ? '*' : '';
          const lowered = r.lowered[i] ? '; threshold lowered to keep at least one kernel' : '';
          const title =
            f != null
              ? `${r.className}, ${h.layers[i]}: ${k} of ${h.totals[i]} kernels kept (${pct(f, 1)})${lowered}`
              : `${r.className}, ${h.layers[i]}: ${k} kernels kept${lowered}`;
          const text =
            f != null
              ? `<span class="pct">${esc(pct(f, 0))}${mark}</span><span class="cnt">${esc(k)}/${esc(h.totals[i])}</span>`
              : `<span class="pct">${esc(k)}${mark}</span>`;
          return `<td style="background:${bg};color:${fg}" title="${esc(title)}">${text}</td>`;
        })
        .join('');
      const extra =
        (withCohesion ? `<td class="rate">${esc(num(r.cohesion, 3))}</td>` : '') +
        (withCoupling ? `<td class="rate">${esc(num(r.coupling, 3))}</td>` : '');
      return `<tr><th scope="row">${esc(r.className)}</th>${cells}<td class="rate">${esc(pct(r.kernelRate, 1))}</td>${extra}</tr>`;
    })
    .join('\n');
  // Mean over modules per layer: which layers the modules thin out most.
  const means = h.layers.map((_, i) => {
    const fs = h.rows.map((r) => r.fraction[i]).filter(isNum);
    return fs.length === h.rows.length && fs.length ? fs.reduce((a, b) => a + b, 0) / fs.length : null;
  });
  const foot = means.some((m) => m != null)
    ? `<tfoot><tr><th scope="row">mean of modules</th>${means.map((m) => `<td>${esc(pct(m, 0))}</td>`).join('')}<td class="rate">${esc(pct(h.rows.reduce((a, r) => a + r.kernelRate, 0) / Math.max(1, h.rows.length), 1))}</td>${withCohesion ? '<td></td>' : ''}${withCoupling ? '<td></td>' : ''}</tr></tfoot>`
    : '';
  return `<div class="scroll"><table class="heatmap">
<caption>Share of each layer's kernels kept by each class's module</caption>
<thead><tr><th scope="col">module (class)</th>${head}<th scope="col">whole module</th>${withCohesion ? '<th scope="col">cohesion</th>' : ''}${withCoupling ? '<th scope="col">coupling</th>' : ''}</tr></thead>
<tbody>
${body}
</tbody>${foot}</table></div>
${legend('kept')}${anyLowered ? '<p class="caption">* No kernel of this layer passed the threshold for this class, so modularize lowered the threshold there to keep the module connected.</p>' : ''}`;
}

function overlapTable(o: ModuleOverlap): string {
  const head = o.classNames.map((c) => `<th scope="col">${esc(c)}</th>`).join('');
  const body = o.jaccard
    .map(
      (row, i) =>
        `<tr><th scope="row">${esc(o.classNames[i])}</th>${row
          .map((v, j) => {
            // The diagonal (a module with itself) is always 1: greyed so the pairs stand out.
            const { bg, fg } = i === j ? { bg: '#eaeef2', fg: '#57606a' } : heatColor(v);
            return `<td style="background:${bg};color:${fg}" title="${esc(`${o.classNames[i]} and ${o.classNames[j]} share ${pct(v, 1)} of their kernels (Jaccard index)`)}">${esc(v.toFixed(2))}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<h3 class="block">Overlap between modules</h3>
<p>For each pair of modules, the share of kernels they have in common: the number of kernels both keep divided by the number
either keeps (the Jaccard index). 1 means the two modules are the same network; 0 means they share nothing. The average over all
pairs is the coupling; MwT tries to keep it low.</p>
<div class="scroll"><table class="heatmap overlap"><caption>Jaccard index of the kept kernels of each pair of modules</caption>
<thead><tr><th scope="col"></th>${head}</tr></thead><tbody>
${body}
</tbody></table></div>
${legend('shared')}`;
}

function modulesSection(data: ReportData): string {
  const m = data.modules;
  const h = data.heatmap;
  return `<section id="modules">
<h2>Modules: kernels kept per class and layer</h2>
${note(data, 'modules')}
${
  m && h
    ? `<p>Each row is one class's module, each column a convolution layer that has a mask generator. A kernel belongs to a module when the
mask generator switched it on for more than a share \u03c4 = ${esc(num(m.threshold, 2))} of that class's training images. A cell shows the share
of the layer's kernels the module keeps: light cells mean a small module. Rows that light up in different places mean the modules share few
kernels (low coupling). The last column is the module's share of all masked kernels; their mean is the kernel retention rate,
${esc(pct(m.kernelRetentionRate, 1))} here${isNum(m.seconds) ? `, found in ${esc(secs(m.seconds))}` : ''}.</p>
${note(data, 'heatmap')}
${heatmapTable(h)}
${data.overlap ? overlapTable(data.overlap) : ''}`
    : ''
}
</section>`;
}

function sweepSection(data: ReportData): string {
  const sweep = data.sweep;
  if (!sweep) return `<section id="sweep"><h2>Threshold sweep</h2>${note(data, 'sweep')}</section>`;
  const sorted = [...sweep].sort((a, b) => a.threshold - b.threshold);
  const chosen = data.modules?.threshold;
  const rows = sorted
    .map(
      (p) =>
        `<tr${p.threshold === chosen ? ' class="chosen"' : ''}><td>${esc(num(p.threshold, 2))}</td><td>${esc(pct(p.kernelRetentionRate, 1))}</td><td>${esc(num(p.cohesion))}</td><td>${esc(num(p.coupling))}</td></tr>`,
    )
    .join('\n');
  const caption = `The threshold \u03c4 decides how often a kernel must be switched on for a class's images to be kept in its module. A higher \u03c4
keeps fewer kernels (smaller modules, lower kernel retention rate), raises cohesion and lowers coupling, at some risk to the module's accuracy.${
    chosen != null ? ` The large diamond marks \u03c4 = ${esc(num(chosen, 2))}, the threshold of the modules above.` : ''
  }`;
  return `<section id="sweep">
<h2>Threshold sweep</h2>
<div class="grid two">
${chartCard('chart-sweep', 'sweep', 'sweep', 'Module size and overlap against the threshold', caption, 'kernel retention rate, cohesion and coupling against the threshold')}
<div class="card"><h3>Values</h3><table class="numbers"><thead><tr><th scope="col">\u03c4</th><th scope="col">KRR</th><th scope="col">cohesion</th><th scope="col">coupling</th></tr></thead><tbody>
${rows}
</tbody></table></div>
</div>
</section>`;
}

/** Any JSON as tables: arrays of objects become tables, objects key/value rows. */
function genericTables(value: unknown, title?: string): string {
  const heading = title ? `<h4>${esc(title)}</h4>` : '';
  const cell = (v: unknown) =>
    isNum(v) ? esc(Number.isInteger(v) ? String(v) : v.toPrecision(4)) : typeof v === 'string' ? esc(v) : esc(JSON.stringify(v) ?? '');
  if (Array.isArray(value) && value.length && value.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
    const cols = [...new Set(value.flatMap((r) => Object.keys(r as object)))];
    return `${heading}<div class="scroll"><table class="numbers"><thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead><tbody>${value
      .map((r) => `<tr>${cols.map((c) => `<td>${cell((r as Record<string, unknown>)[c])}</td>`).join('')}</tr>`)
      .join('\n')}</tbody></table></div>`;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const nested = entries.filter(([, v]) => Array.isArray(v) || (v && typeof v === 'object'));
    const flat = entries.filter(([, v]) => !(Array.isArray(v) || (v && typeof v === 'object')));
    return `${heading}${flat.length ? `<table class="kv">${flat.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${cell(v)}</td></tr>`).join('')}</table>` : ''}${nested.map(([k, v]) => genericTables(v, k)).join('\n')}`;
  }
  return `${heading}<p>${cell(value)}</p>`;
}

interface SizeRow {
  size: number;
  subtasks?: number;
  moduleAccuracy: number;
  /** Null when the sweep ran without a standard run. */
  modelAccuracy: number | null;
  kernelRate: number;
  flopReduction: number;
  /** Not fine-tuned (absent in results from before 2026-12-05). */
  restrictedAccuracy?: number;
  /** M-ACC - m-ACC; null without a standard run. */
  accuracyLoss?: number | null;
  /** Its standard error over the test images (absent in older files). */
  accuracyLossSe?: number | null;
}

/** The loss in points, with its standard error where the sweep kept one. */
const lossCell = (r: SizeRow): string =>
  isNum(r.accuracyLoss)
    ? `${(r.accuracyLoss * 100).toFixed(2)}${isNum(r.accuracyLossSe) ? ` \u00b1 ${(r.accuracyLossSe * 100).toFixed(2)}` : ''}`
    : DASH;

/** The rows of `bySize` when the table is `mwt experiment reuse`'s reuse.json, else null. */
export function reuseBySize(experiments: unknown): SizeRow[] | null {
  const rows = (experiments as { bySize?: unknown } | null)?.bySize;
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const ok = rows.every(
    (r) =>
      r &&
      ['size', 'moduleAccuracy', 'kernelRate', 'flopReduction'].every((k) => isNum((r as Record<string, unknown>)[k])) &&
      (isNum((r as SizeRow).modelAccuracy) || (r as SizeRow).modelAccuracy === null),
  );
  return ok ? (rows as SizeRow[]) : null;
}

/** A reuse experiment: the per-size chart and table, the settings, every sub-task folded away. */
function experimentsBlock(experiments: unknown, index: number): string {
  const bySize = reuseBySize(experiments);
  if (!bySize) return `<div class="card"><h3>Experiments</h3>${genericTables(experiments)}</div>`;
  const { bySize: _sizes, subtasks, ...rest } = experiments as Record<string, unknown>;
  const untuned = bySize.some((r) => isNum(r.restrictedAccuracy));
  const table = `<table class="numbers"><thead><tr><th scope="col">classes</th><th scope="col">sub-tasks</th><th scope="col">module accuracy</th><th scope="col">model accuracy</th><th scope="col">loss (points)</th><th scope="col">kernels kept</th><th scope="col">FLOPs saved</th>${untuned ? '<th scope="col">modules not fine-tuned</th>' : ''}</tr></thead><tbody>
${[...bySize]
  .sort((a, b) => a.size - b.size)
  .map(
    (r) =>
      `<tr><td>${esc(r.size)}</td><td>${esc(r.subtasks ?? DASH)}</td><td>${esc(pct(r.moduleAccuracy))}</td><td>${isNum(r.modelAccuracy) ? esc(pct(r.modelAccuracy)) : DASH}</td><td>${esc(lossCell(r))}</td><td>${esc(pct(r.kernelRate, 1))}</td><td>${esc(pct(r.flopReduction, 1))}</td>${untuned ? `<td>${isNum(r.restrictedAccuracy) ? esc(pct(r.restrictedAccuracy)) : DASH}</td>` : ''}</tr>`,
  )
  .join('\n')}
</tbody></table>`;
  return `<div class="grid halves">
${chartCard(`chart-reuse-sizes-${index}`, 'reuse-sizes', String(index), 'Sub-tasks by number of classes', 'Each point averages the sub-tasks with that many classes. Module accuracy is the fine-tuned sub-task model (dotted: its modules before any training), model accuracy the whole standard model on the same classes (when the sweep had a standard run). More classes need more kernels, so the savings shrink.', 'reuse experiment results by number of classes')}
<div class="card"><h3>Averages by number of classes</h3><div class="scroll">${table}</div></div>
</div>
<details class="card"><summary>Settings and every sub-task</summary>${genericTables(rest)}${subtasks != null ? genericTables(subtasks, 'sub-tasks') : ''}</details>`;
}

function reuseEntry(entry: ReuseEntry, index: number, classNames?: string[]): string {
  const s = entry.summary;
  let inner = '';
  if (s) {
    const names = s.classes.map((c, i) => {
      const name = s.classNames?.[i] ?? (typeof c === 'number' ? classNames?.[c] : undefined);
      return name ? `${name} (${c})` : String(c);
    });
    const lm = s.latencyMs;
    // mwt reuse --epochs 0: the model is the modules' own outputs, nothing was fine-tuned.
    const untuned = (s.fineTune as { epochs?: number } | undefined)?.epochs === 0;
    const rows: [string, string][] = [
      ['classes', names.join(', ')],
      ['accuracy of the combined modules', `${pct(s.accuracy)}${untuned ? ' (their own outputs, not fine-tuned: --epochs 0)' : ''}`],
    ];
    if (!untuned && isNum(s.accuracyBeforeFineTune)) rows.push(['before fine-tuning', pct(s.accuracyBeforeFineTune)]);
    if (!untuned && isNum(s.restrictedAccuracy)) rows.push(["modules' own outputs, no new head", pct(s.restrictedAccuracy)]);
    if (isNum(s.standardModelAccuracy)) rows.push(['whole standard model on this sub-task', pct(s.standardModelAccuracy)]);
    if (isNum(s.kernelRate)) rows.push(['kernels kept', pct(s.kernelRate, 1)]);
    if (isNum(s.flops))
      rows.push([
        'FLOPs per image',
        `${bigNumber(s.flops)}${isNum(s.modelFlops) ? ` of ${bigNumber(s.modelFlops)}` : ''}${isNum(s.flopReduction) ? ` (${pct(s.flopReduction, 1)} fewer)` : ''}`,
      ]);
    if (isNum(s.parameters))
      rows.push(['parameters', `${bigNumber(s.parameters)}${isNum(s.modelParameters) ? ` of ${bigNumber(s.modelParameters)}` : ''}`]);
    if (lm?.module || lm?.model) {
      rows.push(['latency, batch 1', `${ms(lm.module?.batch1)} vs ${ms(lm.model?.batch1)} for the whole model`]);
      rows.push(['latency, batch 128', `${ms(lm.module?.batch128)} vs ${ms(lm.model?.batch128)} for the whole model`]);
    }
    const hasCost = (isNum(s.flops) && isNum(s.modelFlops)) || (isNum(s.parameters) && isNum(s.modelParameters)) || lm?.module != null;
    inner += `<div class="grid three">
<div class="card"><h3>Numbers</h3><table class="kv">${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n')}</table></div>
${chartCard(`chart-reuse-accuracy-${index}`, 'reuse-accuracy', String(index), 'Accuracy on the sub-task', untuned ? 'The modules of the chosen classes combined into one small model, answering with its own outputs for those classes (no training), against the whole standard model asked the same question.' : 'The modules of the chosen classes combined into one small model: its own outputs for those classes (no training), then with a new output layer before and after fine-tuning, against the whole standard model asked the same question.', 'accuracy of the reused modules and of the whole model')}
${hasCost ? chartCard(`chart-reuse-cost-${index}`, 'reuse-cost', String(index), 'Cost compared with the whole model', 'Compute (FLOPs), size (parameters) and measured time per batch of the sub-task model, as a share of the whole model: below 100% means cheaper.', 'cost of the reused modules as a share of the whole model') : ''}
</div>`;
  }
  if (entry.experiments != null) inner += experimentsBlock(entry.experiments, index);
  return `<article class="reuse"><h3 class="entry">${esc(entry.name)}</h3>${inner}</article>`;
}

function reuseSection(data: ReportData): string {
  return `<section id="reuse">
<h2>Reusing modules</h2>
<p>Reuse takes the modules of a few classes and combines them into a model that only answers questions about those classes,
keeping just the kernels those modules need. It should be about as accurate as the whole model on that sub-task while costing less.</p>
${note(data, 'reuse')}
${data.reuse.map((e, i) => reuseEntry(e, i, data.run.info?.classNames)).join('\n')}
</section>`;
}

/** The complete page. `chartJs` is the Chart.js UMD bundle's source. */
export function renderReportHtml(data: ReportData, chartJs: string): string {
  const s = data.run.summary;
  const title = `MwT report: ${s?.model ?? data.run.info?.spec.name ?? data.run.name}${(s?.dataset ?? data.run.info?.dataset) ? ` on ${s?.dataset ?? data.run.info?.dataset}` : ''}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body data-rendered="0">
<header>
<h1>${esc(title)}</h1>
<p class="sub">Run <code>${esc(data.run.dir)}</code> \u00b7 generated ${esc(data.generatedAt.replace('T', ' ').slice(0, 16))} UTC</p>
</header>
<main>
<div id="mwt-errors" class="errors" hidden></div>
${aboutSection()}
${summarySection(data)}
${curvesSection(data)}
${compareSection(data)}
${modulesSection(data)}
${cardsSection(data)}
${sweepSection(data)}
${reuseSection(data)}
${replaceSection(data)}
${composeSection(data)}
${repositorySection(data)}
</main>
<footer>Written by <code>mwt report</code>. Charts drawn with Chart.js (MIT licence), included in this file, so the page works offline.</footer>
<script type="application/json" id="mwt-data">${jsonForScript(data)}</script>
<script>${inlineScriptSource(chartJs)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

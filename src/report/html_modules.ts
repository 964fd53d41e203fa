/**
 * The report's sections about modules as things to find, trust and swap (issue 13): the module
 * cards of the run and of reuse sub-task models, `mwt replace` and `mwt compose` results, and a
 * module repository's listing. Plain HTML tables, no charts, so they read without JavaScript.
 */
import type { ModuleCard } from '../modules/card.js';
import type { CardEntry, ComposeEntry, ReplaceEntry, ReportData, RepositoryListing } from './data.js';
import { escapeHtml as esc } from './escape.js';
import { bigNumber, DASH, note, num, pct } from './format.js';

/** Ids are SHA-256 hex; the report shows the prefix `mwt modules show` accepts. */
export const ID_PREFIX = 12;
const shortId = (id: string) => `<code title="${esc(id)}">${esc(id.slice(0, ID_PREFIX))}</code>`;
const f3 = (x: unknown) => num(x, 3);
const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '\u2212'}${Math.abs(x).toFixed(digits)}`;
const classLabel = (name: string, index: number) => `${name} (${index})`;
const th = (cols: string[]) => cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('');

// --- module cards

export const keptKernels = (card: ModuleCard) => Object.values(card.kernelsPerLayer).reduce((a, b) => a + b, 0);

function measuredOn(card: ModuleCard): string {
  return `${card.quality.split} (${card.quality.samples.toLocaleString('en')})`;
}

/**
 * One row per class a card covers (a sub-task card has several): its quality for the class, and
 * the card's id and costs once, spanning its rows. `output`: a first column naming where the card
 * was found (the reuse output), for sub-task cards.
 */
function cardRows(entry: CardEntry, output?: string): string {
  const { card } = entry;
  const span = card.classes.length > 1 ? ` rowspan="${card.classes.length}"` : '';
  const perLayer = Object.entries(card.kernelsPerLayer)
    .map(([layer, k]) => `${layer} ${k}`)
    .join(', ');
  const shared =
    `<td${span}>${shortId(card.id)}</td>` +
    `<td${span} title="${esc(perLayer)}">${esc(num(keptKernels(card)))}</td>` +
    `<td${span}>${esc(pct(card.kernelRate, 1))}</td>` +
    `<td${span}>${esc(bigNumber(card.parameters))}</td>` +
    `<td${span}>${esc(bigNumber(card.flops))}</td>`;
  const withScore = card.score != null;
  return card.classes
    .map((c, i) => {
      const q = card.quality.perClass.find((p) => p.class === c.index);
      const own = withScore ? card.score!.validation.perClass.find((p) => p.class === c.index) : undefined;
      const first = i === 0;
      return (
        '<tr>' +
        (output != null && first ? `<th scope="row"${span}>${esc(output)}</th>` : '') +
        `<th scope="row">${esc(classLabel(c.name, c.index))}</th>` +
        (first ? shared : '') +
        `<td>${esc(f3(q?.precision))}</td><td>${esc(f3(q?.recall))}</td><td>${esc(f3(q?.f1))}</td>` +
        (first ? `<td${span}>${esc(measuredOn(card))}</td>` : '') +
        `<td>${esc(own ? f3(own.f1) : DASH)}</td>` +
        '</tr>'
      );
    })
    .join('\n');
}

/** The distinct "how measured" of some cards, as a caption. */
function measurements(cards: ModuleCard[]): string {
  const rules = [...new Set(cards.map((c) => `${c.quality.split} set: ${c.quality.rule}`))];
  const own = [...new Set(cards.filter((c) => c.score).map((c) => `${c.score!.validation.split} set: ${c.score!.validation.rule}`))];
  return (
    `Precision, recall and F1 of each class, one-vs-rest, measured on the ${rules.map(esc).join('; ')}.` +
    (own.length
      ? ` Own score F1: the module's own "is this my class" score (score_head.json), measured on the ${own.map(esc).join('; ')}.`
      : '')
  );
}

function cardTable(entries: CardEntry[], caption: string, outputs?: string[]): string {
  const cols = [
    ...(outputs ? ['output'] : []),
    'class',
    'id',
    'kernels kept',
    'KRR',
    'parameters',
    'FLOPs',
    'precision',
    'recall',
    'F1',
    'measured on',
    'own score F1',
  ];
  return `<div class="scroll"><table class="numbers cards"><caption>${esc(caption)}</caption>
<thead><tr>${th(cols)}</tr></thead><tbody>
${entries.map((e, i) => cardRows(e, outputs?.[i])).join('\n')}
</tbody></table></div>
<p class="caption">${measurements(entries.map((e) => e.card))} Kernels kept: over all masked layers (per layer on hover); KRR: their share of the model's masked kernels; FLOPs: multiply-accumulates per image. The id is the first ${ID_PREFIX} hex digits of the card's content hash, as <code>mwt modules show</code> takes it.</p>`;
}

export function cardsSection(data: ReportData): string {
  const subtasks = data.reuse.filter((r) => r.card != null);
  if (data.moduleCards.length === 0 && subtasks.length === 0 && !data.notes.cards) return '';
  return `<section id="cards">
<h2>Module cards</h2>
<p>Every module and sub-task model carries a card (<code>card.json</code>): what it is, where it came from, what it costs
and how good it is, so that it can be found, trusted and swapped without its source run (<code>mwt modules add</code> publishes them to a repository).</p>
${note(data, 'cards')}
${data.moduleCards.length ? cardTable(data.moduleCards, "The run's modules, one per class") : ''}
${
  subtasks.length
    ? `<h3 class="block">Sub-task models</h3>${cardTable(
        subtasks.map((r) => ({ dir: r.path, card: r.card! })),
        'The sub-task models of the reuse results, one row per class',
        subtasks.map((r) => r.name),
      )}`
    : ''
}
</section>`;
}

// --- mwt replace

const RULES: Record<string, string> = {
  calibrated:
    "a scale and an offset for the module's score, fitted on the weak run's training data, make it the replaced class's logit (MODA-like calibration)",
  cnnsplitter:
    "the module's score, min-max normalised on the weak run's training data, joins the weak model's softmax (CNNSplitter's rule)",
};

function replaceEntry(entry: ReplaceEntry): string {
  const s = entry.summary;
  const k = classLabel(s.className, s.classIndex);
  const row = (label: string, r: ReplaceEntry['summary']['before'], chosen = false) =>
    `<tr${chosen ? ' class="chosen"' : ''}><th scope="row">${esc(label)}</th><td>${esc(f3(r.classK.precision))}</td><td>${esc(f3(r.classK.recall))}</td><td>${esc(f3(r.classK.f1))}</td><td>${esc(pct(r.accuracy))}</td></tr>`;
  const rules = Object.keys(s.after).sort((a, b) => Number(b === s.rule) - Number(a === s.rule) || a.localeCompare(b));
  const saved = s.after[s.rule];
  const change = saved
    ? `<p>With the saved rule, F1 of ${esc(k)} goes from ${esc(f3(s.before.classK.f1))} to ${esc(f3(saved.classK.f1))} (${esc(signed(saved.classK.f1 - s.before.classK.f1, 3))}) and the accuracy over all classes from ${esc(pct(s.before.accuracy))} to ${esc(pct(saved.accuracy))} (${esc(signed((saved.accuracy - s.before.accuracy) * 100, 2))} points).</p>`
    : '';
  return `<article class="replace"><h3 class="entry">${esc(entry.name)}</h3>
<table class="kv">
<tr><th scope="row">class replaced</th><td>${esc(k)}</td></tr>
<tr><th scope="row">weak run</th><td><code>${esc(s.run)}</code></td></tr>
<tr><th scope="row">module</th><td>${shortId(s.module)} (${esc(s.moduleSource)})</td></tr>
<tr><th scope="row">rule saved</th><td>${esc(s.rule)}: ${esc(RULES[s.rule] ?? 'see docs/modules.md')}</td></tr>
<tr><th scope="row">measured on</th><td>${esc(num(s.testSamples))} test images of ${esc(s.dataset)}; rules fitted on ${esc(num(s.fitSamples))} training images</td></tr>
<tr><th scope="row">saved model</th><td>reloaded with loadLayersModel, agrees on ${esc(pct(s.reloaded.agreement))} of ${esc(num(s.reloaded.samples))} test images</td></tr>
</table>
<div class="scroll"><table class="numbers"><caption>Class ${esc(k)} (one-vs-rest) and overall accuracy, before and after</caption>
<thead><tr>${th(['model', 'precision', 'recall', 'F1', 'accuracy'])}</tr></thead><tbody>
${row('before: weak model', s.before)}
${rules.map((r) => row(`after: ${r}${r === s.rule ? ' (saved)' : ''}`, s.after[r]!, r === s.rule)).join('\n')}
</tbody></table></div>
${change}
</article>`;
}

export function replaceSection(data: ReportData): string {
  if (data.replace.length === 0 && !data.notes.replace) return '';
  return `<section id="replace">
<h2>Replacing a class</h2>
<p><code>mwt replace</code> lets a module, usually from a stronger run, decide one class of a weak model; neither network is
trained, only two or three numbers of the rule are fitted. Both rules are measured on the test set; the patched model is saved
with one of them, as one tfjs model. Precision, recall and F1 are those of the replaced class, the accuracy that of all classes.</p>
${note(data, 'replace')}
${data.replace.map(replaceEntry).join('\n')}
</section>`;
}

// --- mwt compose

function composeEntry(entry: ComposeEntry): string {
  const s = entry.summary;
  const accRows: string[] = [
    `<tr class="chosen"><th scope="row">composed modules${s.calibrated ? ', calibrated' : ''}</th><td>${esc(pct(s.accuracy))}</td></tr>`,
  ];
  if (s.calibrated)
    accRows.push(`<tr><th scope="row">composed modules, without calibration</th><td>${esc(pct(s.uncalibratedAccuracy))}</td></tr>`);
  for (const src of s.sources)
    accRows.push(
      `<tr><th scope="row">source <code>${esc(src.run)}</code> (${esc(src.model)} \u00d7${esc(src.width)}${src.seed != null ? `, seed ${esc(src.seed)}` : ''}), restricted</th><td>${src.restrictedAccuracy == null ? 'run not found' : esc(pct(src.restrictedAccuracy))}</td></tr>`,
    );
  const classRows = s.classes.map((c) => {
    const q = s.perClass.find((p) => p.class === c.index);
    return `<tr><th scope="row">${esc(classLabel(c.name, c.index))}</th><td>${shortId(c.module)}</td><td><code>${esc(c.source)}</code></td><td>${esc(f3(c.validationF1))}</td><td>${esc(f3(q?.precision))}</td><td>${esc(f3(q?.recall))}</td><td>${esc(f3(q?.f1))}</td></tr>`;
  });
  return `<article class="compose"><h3 class="entry">${esc(entry.name)}</h3>
<p>${esc(s.classes.length)} classes of ${esc(s.dataset)} from ${esc(s.candidates)} candidate modules; ${esc(num(s.testSamples))} test images of those classes;
${esc(bigNumber(s.flops))} FLOPs and ${esc(bigNumber(s.parameters))} parameters per image for the composed model, which reloaded agrees on ${esc(pct(s.reloaded.agreement))} of ${esc(num(s.reloaded.samples))} test images.</p>
<div class="grid halves">
<div class="card"><div class="scroll"><table class="numbers"><caption>Accuracy on the union of the classes</caption>
<thead><tr>${th(['model', 'accuracy'])}</tr></thead><tbody>
${accRows.join('\n')}
</tbody></table></div>
${s.versusBestSource != null ? `<p>Against the best source model restricted to the same classes: ${esc(signed(s.versusBestSource * 100, 2))} points.</p>` : ''}</div>
<div class="card"><div class="scroll"><table class="numbers"><caption>The module chosen for each class</caption>
<thead><tr>${th(['class', 'module', 'from run', 'validation F1', 'test precision', 'test recall', 'test F1'])}</tr></thead><tbody>
${classRows.join('\n')}
</tbody></table></div></div>
</div>
</article>`;
}

export function composeSection(data: ReportData): string {
  if (data.compose.length === 0 && !data.notes.compose) return '';
  return `<section id="compose">
<h2>Composing modules</h2>
<p><code>mwt compose</code> builds one classifier from modules of different runs, without fine-tuning them: each module scores its
own class and the highest score wins. Its accuracy on the union of the classes is compared with each source run's whole model
asked the same question (its outputs restricted to those classes). Where several modules cover a class, the one with the best
validation F1 is chosen.</p>
${note(data, 'compose')}
${data.compose.map(composeEntry).join('\n')}
</section>`;
}

// --- a module repository

function repositoryTable(r: RepositoryListing): string {
  const first = (m: RepositoryListing['modules'][number]) => m.classes[0]?.index ?? 0;
  const bestF1 = (m: RepositoryListing['modules'][number]) => Math.min(...m.classes.map((c) => c.f1));
  const sorted = [...r.modules].sort(
    (a, b) => a.dataset.localeCompare(b.dataset) || first(a) - first(b) || bestF1(b) - bestF1(a) || a.id.localeCompare(b.id),
  );
  const rows = sorted.map(
    (m) =>
      `<tr${m.status === 'ok' ? '' : ' class="corrupt"'}><td>${shortId(m.id)}</td><td>${esc(m.kind)}</td><td>${esc(m.dataset)}</td><td>${esc(m.classes.map((c) => classLabel(c.name, c.index)).join(', '))}</td><td>${esc(`${m.model} \u00d7${m.width}`)}</td><td>${esc(m.classes.map((c) => f3(c.f1)).join(', '))}</td><td>${esc(bigNumber(m.flops))}</td><td${m.problem ? ` title="${esc(m.problem)}"` : ''}>${esc(m.status)}</td></tr>`,
  );
  return `<div class="scroll"><table class="numbers"><caption>${esc(r.modules.length)} modules in <code>${esc(r.dir)}</code></caption>
<thead><tr>${th(['id', 'kind', 'dataset', 'class', 'model', 'F1', 'FLOPs', 'status'])}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

export function repositorySection(data: ReportData): string {
  if (data.repository == null && !data.notes.repository) return '';
  return `<section id="repository">
<h2>Module repository</h2>
<p>The modules a repository holds, as <code>mwt modules list</code> shows them: F1 is the test F1 of each class the module covers
(from its card), FLOPs the multiply-accumulates per image, and a module whose files no longer match its id is marked corrupt
and never loaded. <code>mwt modules search</code> filters them; <code>mwt replace</code> and <code>mwt compose</code> take their ids.</p>
${note(data, 'repository')}
${data.repository ? repositoryTable(data.repository) : ''}
</section>`;
}

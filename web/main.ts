/**
 * The page of `mwt serve`: lists the modules with their cards, builds a classifier of the ticked
 * classes in the browser (the mask union of a run's whole model, web/union.ts, or the modules of
 * a repository composed side by side, web/modules.ts), compares its size with the whole network, classifies the sample
 * images and a dropped file, times it, and offers it for download. State is mirrored on
 * <body data-state> and on data-* attributes so a test (or a person) can read what happened.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { countFlops, countParameters } from '../src/modularize/flops.js';
import type { Catalog, CatalogModule } from '../src/serve/catalog_types.js';
import { chooseBackend } from './backend.js';
import { modelFiles } from './download.js';
import { bytesOfFile, decodeBase64, drawBytes, inputOf, type Shape } from './images.js';
import { composeTicked, type Assembled } from './modules.js';
import { unionTicked } from './union.js';

/** Latency: calls discarded first, then timed calls (median reported). */
const WARMUP = 3;
const TIMED = 20;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const el = (tag: string, attrs: Record<string, string> = {}, text?: string) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
};
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n));

function status(state: string, text: string): void {
  document.body.dataset.state = state;
  $('#status').textContent = text;
}

let catalog: Catalog;
let backendLine = '';
let current: Assembled | null = null;
let dropped: Uint8Array | null = null;
let urls: string[] = [];
/** Incremented per build: a slower earlier one must not overwrite a later result. */
let generation = 0;

function renderModules(): void {
  const body = $('#modules tbody');
  for (const m of catalog.modules) {
    const c = m.card;
    const cls = c.classes[0]!;
    const row = el('tr');
    const box = el('input', { type: 'checkbox', 'data-class': String(cls.index), 'data-id': c.id, id: `m-${c.id}` }) as HTMLInputElement;
    box.addEventListener('change', () => {
      row.classList.toggle('ticked', box.checked);
      void rebuild();
    });
    const cell = el('td');
    cell.append(box);
    const f1 = c.quality.perClass[0]?.f1;
    const name = el('td');
    name.append(el('label', { for: `m-${c.id}` }, `${cls.index} ${cls.name}`));
    row.append(
      cell,
      name,
      el('td', {}, `${(c.kernelRate * 100).toFixed(1)}%`),
      el('td', {}, fmt(c.flops)),
      el('td', {}, fmt(c.parameters)),
      el('td', {}, f1 == null ? 'n/a' : f1.toFixed(3)),
      el('td', { title: `${c.id}\nfrom ${c.source.run}` }, c.id.slice(0, 12)),
    );
    body.append(row);
  }
}

function renderSamples(): void {
  const s = catalog.samples;
  if (!s) {
    $('#samples-note').textContent = 'No test images of this dataset could be read by the server: drop your own.';
    return;
  }
  $('#samples-note').textContent =
    `Test images from ${s.from}. Tick classes to see the sub-task model's predictions; images of other classes are shown faded (the model can only answer one of its classes).`;
  s.items.forEach((item, i) => {
    const fig = el('figure', { class: 'sample', 'data-index': String(i), 'data-label': String(item.label) });
    const canvas = el('canvas') as HTMLCanvasElement;
    drawBytes(canvas, decodeBase64(item.pixels), s.shape);
    fig.append(canvas, el('figcaption', {}, `${item.name}`));
    fig.querySelector('figcaption')!.append(el('div', { class: 'pred' }, ''));
    $('#samples').append(fig);
  });
}

/** Says which route this page takes, and why. */
function renderRoute(): void {
  document.body.dataset.route = catalog.union ? 'union' : 'compose';
  $('#route').textContent = catalog.union
    ? `Route: mask union. The run's whole trained network (${catalog.union.spec.name} x${catalog.union.spec.width}) is pruned in this page to the union of the ticked classes' kernels (modules at threshold ${catalog.union.threshold}), as mwt reuse does; a kernel two modules share runs once. ${catalog.union.calibration ? `It is calibrated on the server's training images of the ticked classes (${Math.min(...catalog.union.calibration.counts)} or more a class): mean masks folded, batch norms matched.` : `It is not calibrated (${catalog.union.calibrationUnavailable}), so every kept kernel runs at its whole-network scale.`} Its output keeps the trained logits of the ticked classes only, and the highest one wins: no new head, so no training (this is the "restricted accuracy" mwt reuse reports before fine-tuning).`
    : `Route: compose. ${catalog.unionUnavailable ? `No mask union here: ${catalog.unionUnavailable}. ` : ''}Each ticked module runs separately with its own score head, and the highest score wins; no training. Modules that share kernels run them once each, so this can cost more than the whole network.`;
}

function ticked(): CatalogModule[] {
  const ids = [...document.querySelectorAll<HTMLInputElement>('#modules input:checked')].map((b) => b.dataset.id);
  return catalog.modules.filter((m) => ids.includes(m.card.id));
}

/** Scores [n, classes] of normalised images, and the winning column per image. */
function classify(model: LayersModel, inputs: Float32Array[], shape: Shape): { pred: number[]; scores: number[][] } {
  const k = model.outputs[0]!.shape[1] as number;
  const values = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [inputs.length, ...shape]);
    return (model.predict(x) as tf.Tensor).dataSync();
  });
  const scores = inputs.map((_, i) => Array.from(values.subarray(i * k, (i + 1) * k)));
  return { pred: scores.map((row) => row.indexOf(Math.max(...row))), scores };
}

/** How sure the model is of column `pred`: a softmax over the kept logits (union), the winning module's sigmoid (compose). */
function confidence(c: Assembled, row: number[], pred: number): number {
  if (c.route === 'compose') return 1 / (1 + Math.exp(-row[pred]!));
  const top = Math.max(...row);
  const sum = row.reduce((a, v) => a + Math.exp(v - top), 0);
  return Math.exp(row[pred]! - top) / sum;
}

function showPrediction(fig: HTMLElement, c: Assembled, row: number[], label: number | null): void {
  const pred = row.indexOf(Math.max(...row));
  const score = row[pred]!;
  const cls = c.classes[pred]!;
  fig.dataset.pred = String(cls.index);
  fig.dataset.score = String(score);
  const inside = label == null || c.classes.some((x) => x.index === label);
  fig.classList.toggle('outside', !inside);
  // The sub-task's own classes first: those are the images it is for.
  fig.style.order = inside ? '0' : '1';
  const p = fig.querySelector('.pred') as HTMLElement;
  p.className = `pred ${label == null || !inside ? '' : cls.index === label ? 'right' : 'wrong'}`;
  // Union: the class's logit in the trained model, p its softmax among the kept classes.
  // Compose: the winning module's log-odds, p = 1/(1+e^-s), "how sure it is this class".
  p.textContent = `→ ${cls.name} (${c.route === 'union' ? 'logit' : 'score'} ${score.toFixed(2)}, p ${confidence(c, row, pred).toFixed(2)})`;
}

function classifyAll(c: Assembled): void {
  const s = catalog.samples;
  const stats = c.modules[0]!.card.normalization;
  if (s) {
    const inputs = s.items.map((it) => inputOf(decodeBase64(it.pixels), s.shape, stats));
    const { scores } = classify(c.model, inputs, s.shape);
    document.querySelectorAll<HTMLElement>('#samples figure').forEach((fig, i) => showPrediction(fig, c, scores[i]!, s.items[i]!.label));
  }
  classifyDropped();
}

function classifyDropped(): void {
  const fig = document.querySelector<HTMLElement>('#dropped figure');
  if (!current || !dropped || !fig) return;
  const shape = current.modules[0]!.card.inputShape as Shape;
  const { scores } = classify(current.model, [inputOf(dropped, shape, current.modules[0]!.card.normalization)], shape);
  showPrediction(fig, current, scores[0]!, null);
}

function measureLatency(c: Assembled): number {
  const shape = c.modules[0]!.card.inputShape as Shape;
  const x = tf.zeros([1, ...shape]);
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + TIMED; i++) {
      const t0 = performance.now();
      tf.tidy(() => (c.model.predict(x) as tf.Tensor).dataSync());
      if (i >= WARMUP) times.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

function renderSize(c: Assembled): void {
  const flops = countFlops(c.model).total;
  const params = countParameters(c.model).total;
  const w = catalog.whole;
  const box = $('#size');
  box.replaceChildren();
  box.dataset.flops = String(flops);
  box.dataset.params = String(params);
  const grid = el('div', { class: 'bars' });
  const row = (label: string, value: number, whole: number | undefined) => {
    const bar = el('div', { class: 'bar' });
    const pct = whole ? (value / whole) * 100 : 100;
    bar.append(el('div', { style: `width:${Math.min(100, pct).toFixed(1)}%` }));
    grid.append(el('span', {}, label), bar, el('span', {}, whole ? `${fmt(value)} of ${fmt(whole)} (${pct.toFixed(1)}%)` : fmt(value)));
  };
  row('FLOPs', flops, w?.flops);
  row('parameters', params, w?.parameters);
  const how =
    c.route === 'union'
      ? `the union of ${c.modules.length} modules (${c.kernels} kernels kept), ${c.classes.length} logits, ${c.calibrationImages ? `calibrated on ${c.calibrationImages} training images` : 'not calibrated'}`
      : `${c.modules.length} modules run side by side`;
  box.append(
    el(
      'p',
      { class: 'hint' },
      `${c.classes.map((x) => x.name).join(' vs ')}: ${how}, against the whole ${w ? `${w.model} x${w.width} (${w.classes} classes, standard form)` : 'network (unknown here)'}. FLOPs count multiply-accumulates per image.`,
    ),
    grid,
  );
}

async function offerDownload(c: Assembled): Promise<void> {
  for (const u of urls) URL.revokeObjectURL(u);
  const files = await modelFiles(c.model);
  urls = [URL.createObjectURL(files.json), URL.createObjectURL(files.weights)];
  ($('#dl-json') as HTMLAnchorElement).href = urls[0]!;
  ($('#dl-weights') as HTMLAnchorElement).href = urls[1]!;
}

async function rebuild(): Promise<void> {
  const mine = ++generation;
  const chosen = ticked();
  const classes = new Set(chosen.map((m) => m.card.classes[0]!.index));
  if (classes.size < 2) {
    $('#subtask').hidden = true;
    status('ready', `${backendLine} Tick ${2 - classes.size} more class${classes.size === 1 ? '' : 'es'}.`);
    return;
  }
  const union = catalog.union;
  status(
    'building',
    union ? `Pruning the whole model to the union of ${classes.size} modules…` : `Loading ${chosen.length} modules and composing them…`,
  );
  const started = performance.now();
  try {
    const c = union ? await unionTicked(union, chosen) : await composeTicked(chosen);
    if (mine !== generation) return void c.model.dispose();
    current?.model.dispose();
    current = c;
    renderSize(c);
    $('#subtask').hidden = false;
    status('building', 'Classifying the images…');
    classifyAll(c);
    const latency = measureLatency(c);
    $('#latency').dataset.ms = String(latency);
    $('#latency').textContent =
      `Latency in this browser: ${latency.toFixed(2)} ms per image (median of ${TIMED} single-image calls after ${WARMUP} warm-up calls, ${tf.getBackend()} backend).`;
    await offerDownload(c);
    if (mine !== generation) return;
    const ms = Math.round(performance.now() - started);
    document.body.dataset.buildMs = String(ms);
    document.body.dataset.classes = c.classes.map((x) => x.index).join(',');
    const verb = c.route === 'union' ? 'Pruned to the union of' : 'Composed';
    status(
      'built',
      `${backendLine} ${verb} ${c.classes.map((x) => `${x.index} ${x.name}`).join(', ')} in ${ms} ms (loading, building, classifying, timing).`,
    );
  } catch (e) {
    if (mine === generation) status('error', `Could not build a model of these classes: ${(e as Error).message}`);
  }
}

function wireDrop(): void {
  const zone = $('#drop');
  const take = async (file: File | undefined) => {
    if (!file) return;
    const shape = catalog.modules[0]!.card.inputShape as Shape;
    try {
      dropped = await bytesOfFile(file, shape);
    } catch {
      return status('error', `${file.name}: not an image this browser can read`);
    }
    const fig = el('figure', { class: 'dropped' });
    const canvas = el('canvas') as HTMLCanvasElement;
    drawBytes(canvas, dropped, shape);
    fig.append(canvas, el('figcaption', {}, file.name));
    fig.querySelector('figcaption')!.append(el('div', { class: 'pred' }, current ? '' : 'tick two classes to classify it'));
    $('#dropped').replaceChildren(fig);
    classifyDropped();
  };
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void take(e.dataTransfer?.files[0]);
  });
  ($('#file') as HTMLInputElement).addEventListener('change', (e) => void take((e.target as HTMLInputElement).files?.[0]));
}

async function start(): Promise<void> {
  status('loading', 'Starting TensorFlow.js (wasm backend, served locally)…');
  const backend = await chooseBackend();
  document.body.dataset.backend = backend.name;
  backendLine = `Backend: ${backend.name}${backend.fellBack ? ` (${backend.fellBack})` : ''}.`;
  status('loading', `${backendLine} Reading the module catalog…`);
  const res = await fetch('/api/catalog.json');
  if (!res.ok) throw new Error(`/api/catalog.json: HTTP ${res.status}`);
  catalog = (await res.json()) as Catalog;
  const first = catalog.modules[0]!.card;
  $('#source').textContent =
    `${catalog.modules.length} modules of ${first.model} x${first.width} on ${first.dataset}, from the ${catalog.source.kind} ${catalog.source.path}${catalog.skipped.length ? ` (${catalog.skipped.length} corrupt modules left out)` : ''}.`;
  renderRoute();
  renderModules();
  renderSamples();
  wireDrop();
  const loadMs = performance.now();
  document.body.dataset.loadMs = String(loadMs);
  status('ready', `${backendLine} Ready in ${Math.round(loadMs)} ms. Tick two or more classes.`);
}

start().catch((e) => status('error', `The page could not start: ${(e as Error).message}`));

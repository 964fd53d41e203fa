/**
 * The report page's own script (browser JavaScript, kept as a string so it is inlined verbatim:
 * compiling it as a TS module would let the bundler add helpers that do not exist in the page).
 *
 * It reads the embedded run data (#mwt-data), creates one Chart.js chart per
 * `<canvas data-chart=KIND data-key=KEY>` the server-side HTML placed, and records on <body>:
 *   data-rendered="N"  charts created;  data-errors="N" (+ a visible message) when any failed.
 * With `#dump-charts` in the URL it also writes every chart's datasets into
 * <pre id="mwt-chart-dump"> so a headless browser's DOM dump shows what was drawn (tests).
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var body = document.body;
  var errors = 0;
  function fail(message) {
    errors += 1;
    body.setAttribute('data-errors', String(errors));
    var box = document.getElementById('mwt-errors');
    if (box) {
      box.hidden = false;
      var line = document.createElement('p');
      line.textContent = 'Chart error: ' + message;
      box.appendChild(line);
    }
  }
  window.addEventListener('error', function (e) { fail(e.message || String(e)); });

  var data = JSON.parse(document.getElementById('mwt-data').textContent);
  if (typeof Chart === 'undefined') { fail('Chart.js did not load'); return; }

  var BLUE = '#1f77b4', ORANGE = '#ff7f0e', GREEN = '#2ca02c', RED = '#d62728', PURPLE = '#9467bd', GREY = '#7f7f7f';
  var percent = function (v) { return (v * 100).toFixed(0) + '%'; };
  var percent1 = function (v) { return (v * 100).toFixed(1) + '%'; };
  // Three significant digits without trailing zeros (0.05, not 0.0500).
  var plain = function (v) { return String(Number(Number(v).toPrecision(3))); };
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(body).fontFamily;
  Chart.defaults.color = '#333';
  Chart.defaults.maintainAspectRatio = false;
  // Legend entries drawn as short unfilled flat boxes, i.e. lines that keep the dataset's dash
  // pattern, so the dashed standard curve looks dashed in the legend too.
  var LEGEND = { position: 'bottom', labels: { boxWidth: 36, boxHeight: 2, generateLabels: function (chart) {
    return Chart.defaults.plugins.legend.labels.generateLabels(chart).map(function (item) {
      item.fillStyle = 'rgba(0,0,0,0)';
      item.lineWidth = 2;
      return item;
    });
  } } };

  // One line chart per metric: y is a fraction (accuracy, rates) or a loss value.
  var CURVES = {
    testAccuracy: { fmt: percent, tip: percent1 },
    trainAccuracy: { fmt: percent, tip: percent1 },
    couplingLoss: { fmt: plain, tip: plain, min: 0 },
    cohesionLoss: { fmt: plain, tip: plain, min: 0 },
    kernelRate: { fmt: percent, tip: percent1, min: 0, max: 1 },
    ceLoss: { fmt: plain, tip: plain, min: 0 }
  };

  function series(points, key) {
    return (points || []).filter(function (p) { return p[key] !== null && p[key] !== undefined; })
      .map(function (p) { return { x: p.epoch, y: p[key] }; });
  }

  // A line per dataset of one measure against the epoch, y formatted as the measure is.
  function line(label, points, color, dashed) {
    return { label: label, data: points, borderColor: color, backgroundColor: color, borderDash: dashed ? [6, 4] : [],
      pointRadius: points.length > 40 ? 0 : 3, tension: 0.1 };
  }
  function epochChart(canvas, key, datasets) {
    var spec = CURVES[key];
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets.filter(function (d) { return d.data.length > 0; }) },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { min: spec.min, max: spec.max, ticks: { callback: spec.fmt } }
        },
        plugins: { legend: LEGEND, tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + spec.tip(c.parsed.y); } } } }
      }
    });
  }

  function curveChart(canvas, key) {
    var modular = data.curves.runLabel === 'modular';
    return epochChart(canvas, key, [
      line(data.curves.runLabel, series(data.curves.run, key), modular ? BLUE : ORANGE, !modular),
      line('standard', series(data.curves.standard, key), ORANGE, true)
    ]);
  }

  // Runs compared (--compare): one line per run for one measure, named by its differing settings.
  var PALETTE = [BLUE, ORANGE, GREEN, RED, PURPLE, GREY, '#8c564b', '#e377c2', '#bcbd22', '#17becf'];
  function compareChart(canvas, key) {
    return epochChart(canvas, key, data.compared.map(function (run, i) {
      return line(run.label, series(run.metrics, key), PALETTE[i % PALETTE.length], i >= PALETTE.length);
    }));
  }

  // Threshold sweep: KRR, cohesion, coupling (and any other 0..1 measure in sweep.json).
  var SWEEP_COLORS = { kernelRetentionRate: BLUE, cohesion: GREEN, coupling: RED };
  var SWEEP_LABELS = { kernelRetentionRate: 'kernel retention rate (KRR)', cohesion: 'cohesion', coupling: 'coupling' };
  function sweepChart(canvas) {
    var points = data.sweep.slice().sort(function (a, b) { return a.threshold - b.threshold; });
    var chosen = data.modules ? data.modules.threshold : null;
    var keys = ['kernelRetentionRate', 'cohesion', 'coupling'];
    Object.keys(points[0]).forEach(function (k) {
      // Other rates on the same 0..1 scale (e.g. a module accuracy); not counts or timings.
      if (keys.indexOf(k) >= 0 || !/accuracy|rate|ratio/i.test(k)) return;
      var fractions = points.every(function (p) { return typeof p[k] === 'number' && p[k] >= 0 && p[k] <= 1; });
      if (fractions) keys.push(k);
    });
    var extra = [PURPLE, GREY, ORANGE];
    var datasets = keys.map(function (k, i) {
      var color = SWEEP_COLORS[k] || extra[(i - 3) % extra.length];
      return {
        label: SWEEP_LABELS[k] || k, key: k, borderColor: color, backgroundColor: color, tension: 0.1,
        data: points.map(function (p) { return { x: p.threshold, y: p[k] }; }),
        pointRadius: points.map(function (p) { return p.threshold === chosen ? 7 : 3; }),
        pointStyle: points.map(function (p) { return p.threshold === chosen ? 'rectRot' : 'circle'; })
      };
    });
    // The y axis starts a step below the lowest value, so close lines stay apart.
    var lowest = Math.min.apply(null, datasets.map(function (d) { return Math.min.apply(null, d.data.map(function (p) { return p.y; })); }));
    var yMin = Math.max(0, Math.floor(lowest * 10) / 10 - 0.1);
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: datasets },
      options: {
        parsing: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'threshold \u03c4' } }, y: { min: yMin, max: 1, ticks: { callback: plain } } },
        plugins: { legend: LEGEND, tooltip: { callbacks: { title: function (items) { return '\u03c4 = ' + items[0].parsed.x; } } } }
      }
    });
  }

  // Reuse: accuracy of the sub-task model against the whole standard model ...
  function reuseAccuracyChart(canvas, index) {
    var s = data.reuse[index].summary;
    var labels = [], values = [], colors = [];
    // The value goes into the label too: bars of 97% and 98% are hard to tell apart by length.
    // (Two-line labels: Chart.js cuts long single-line category labels.)
    function bar(label, value, color) { labels.push([label, percent1(value)]); values.push(value); colors.push(color); }
    // mwt reuse --epochs 0: one model, the modules' own outputs, so one bar.
    var untuned = s.fineTune != null && s.fineTune.epochs === 0;
    var tuned = !untuned && typeof s.accuracyBeforeFineTune === 'number';
    if (untuned) bar("modules' own outputs, not fine-tuned", s.accuracy, BLUE);
    else {
      if (typeof s.restrictedAccuracy === 'number') bar("modules' own outputs", s.restrictedAccuracy, '#c6dbef');
      if (tuned) bar('new head, not fine-tuned', s.accuracyBeforeFineTune, '#9ecae1');
      bar(tuned ? 'modules, fine-tuned' : 'reused modules', s.accuracy, BLUE);
    }
    if (typeof s.standardModelAccuracy === 'number') bar('whole standard model', s.standardModelAccuracy, ORANGE);
    return new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: 'accuracy on the sub-task', data: values, backgroundColor: colors }] },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: 1, ticks: { callback: percent } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return percent1(c.parsed.x); } } } } }
    });
  }

  // ... and what it costs, as a share of the whole model (100% = as expensive as the model).
  function reuseCostChart(canvas, index) {
    var s = data.reuse[index].summary;
    var labels = [], values = [];
    function ratio(label, part, whole) {
      if (typeof part === 'number' && typeof whole === 'number' && whole > 0) { labels.push(label + ' (' + percent(part / whole) + ')'); values.push(part / whole); }
    }
    ratio('FLOPs', s.flops, s.modelFlops);
    ratio('parameters', s.parameters, s.modelParameters);
    var lm = s.latencyMs || {}, mod = lm.module || {}, whole = lm.model || {};
    ratio('latency, batch 1', mod.batch1, whole.batch1);
    ratio('latency, batch 128', mod.batch128, whole.batch128);
    // Axis to the next whole multiple of the model (at least 100%), with the 100% line dark.
    var max = Math.ceil(Math.max.apply(null, values.concat([1])));
    var step = max <= 1 ? 0.2 : max <= 2 ? 0.5 : 1;
    return new Chart(canvas, {
      type: 'bar',
      data: { labels: labels, datasets: [{ label: 'share of the whole model', data: values, backgroundColor: BLUE }] },
      options: { indexAxis: 'y', scales: { x: { min: 0, max: max, ticks: { callback: percent, stepSize: step },
          grid: { color: function (c) { return c.tick && c.tick.value === 1 ? '#57606a' : 'rgba(0,0,0,0.1)'; } } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return percent1(c.parsed.x) + ' of the whole model'; } } } } }
    });
  }

  // Reuse experiment: averages per sub-task size (number of classes reused).
  function reuseSizesChart(canvas, index) {
    var rows = data.reuse[index].experiments.bySize.slice().sort(function (a, b) { return a.size - b.size; });
    // A figure the sweep did not measure (M-ACC without a standard run) gets no line.
    function has(key) { return rows.some(function (r) { return typeof r[key] === 'number'; }); }
    function line(label, key, color, dash) {
      return { label: label, borderColor: color, backgroundColor: color, borderDash: dash || [], tension: 0.1,
        data: rows.map(function (r) { return { x: r.size, y: r[key] }; }) };
    }
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: [
        line('module accuracy', 'moduleAccuracy', BLUE),
        has('modelAccuracy') ? line('whole model accuracy', 'modelAccuracy', ORANGE, [6, 4]) : null,
        line('kernels kept', 'kernelRate', GREEN),
        line('FLOPs saved', 'flopReduction', PURPLE),
        has('restrictedAccuracy') ? line('modules, not fine-tuned', 'restrictedAccuracy', BLUE, [2, 3]) : null
      ].filter(Boolean) },
      options: {
        parsing: false,
        scales: { x: { type: 'linear', title: { display: true, text: 'classes in the sub-task' }, ticks: { precision: 0 } }, y: { min: 0, max: 1, ticks: { callback: percent } } },
        plugins: { legend: LEGEND, tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + percent1(c.parsed.y); } } } }
      }
    });
  }

  var builders = {
    'reuse-sizes': function (canvas) { return reuseSizesChart(canvas, Number(canvas.getAttribute('data-key'))); },
    curve: function (canvas) { return curveChart(canvas, canvas.getAttribute('data-key')); },
    compare: function (canvas) { return compareChart(canvas, canvas.getAttribute('data-key')); },
    sweep: sweepChart,
    'reuse-accuracy': function (canvas) { return reuseAccuracyChart(canvas, Number(canvas.getAttribute('data-key'))); },
    'reuse-cost': function (canvas) { return reuseCostChart(canvas, Number(canvas.getAttribute('data-key'))); }
  };

  var rendered = 0;
  var dump = [];
  var canvases = document.querySelectorAll('canvas[data-chart]');
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var kind = canvas.getAttribute('data-chart');
    try {
      if (!builders[kind]) throw new Error('unknown chart kind ' + kind);
      var chart = builders[kind](canvas);
      rendered += 1;
      dump.push({ id: canvas.id, kind: kind, key: canvas.getAttribute('data-key'), labels: chart.data.labels || null,
        datasets: chart.data.datasets.map(function (d) { return { label: d.label, data: d.data }; }) });
    } catch (e) {
      fail((canvas.id || kind) + ': ' + (e && e.message ? e.message : String(e)));
    }
  }
  body.setAttribute('data-rendered', String(rendered));
  if (location.hash === '#dump-charts') {
    var pre = document.createElement('pre');
    pre.id = 'mwt-chart-dump';
    pre.hidden = true;
    pre.textContent = JSON.stringify(dump);
    body.appendChild(pre);
  }
})();
`;

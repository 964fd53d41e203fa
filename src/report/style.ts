/** The report page's stylesheet (inline, so the page needs no other file). */
export const STYLE = `
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --blue: #1f77b4; --orange: #ff7f0e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header { padding: 24px 32px 12px; border-bottom: 1px solid var(--line); background: var(--bg); }
header h1 { margin: 0 0 4px; font-size: 24px; }
.sub { margin: 0; color: var(--muted); font-size: 13px; }
main { padding: 8px 32px 32px; max-width: 1280px; }
section { margin-top: 28px; }
h2 { font-size: 19px; margin: 0 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
h3.entry { font-size: 16px; margin-top: 16px; }
h4 { font-size: 14px; margin: 10px 0 4px; }
p { max-width: 900px; margin: 6px 0; }
.intro p { color: #24292f; }
.note { color: #6e5400; background: #fff8c5; border: 1px solid #eac54f; border-radius: 6px; padding: 6px 10px; font-size: 13px; }
.errors { color: #82071e; background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px; padding: 6px 10px; margin-top: 12px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin: 12px 0; }
.tile { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: #fff; }
.tile .value { font-size: 24px; font-weight: 600; color: var(--blue); }
.tile .label { font-weight: 600; }
.tile .help { color: var(--muted); font-size: 12px; line-height: 1.35; }
table { border-collapse: collapse; font-size: 13px; }
table.kv th { text-align: left; font-weight: 600; padding: 3px 16px 3px 0; color: var(--muted); vertical-align: top; }
table.kv td { padding: 3px 0; }
table.numbers th, table.numbers td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; }
table.numbers tr.chosen td { font-weight: 700; background: #ddf4ff; }
table.numbers caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; }
table.numbers tbody th { text-align: left; font-weight: 600; }
table.numbers tr.corrupt td { color: #82071e; background: #ffebe9; }
article.replace, article.compose { margin-top: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 16px; margin-top: 12px; }
.grid.two { grid-template-columns: minmax(360px, 2fr) minmax(260px, 1fr); }
.grid.halves { grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); }
h3.block { margin-top: 22px; font-size: 16px; }
.grid.three { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
article.reuse > .card { margin-top: 16px; }
.card { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; background: #fff; min-width: 0; }
.chart { position: relative; height: 240px; }
.caption { color: var(--muted); font-size: 12.5px; line-height: 1.4; margin-top: 8px; }
.scroll { overflow-x: auto; max-width: 100%; }
table.heatmap { margin-top: 10px; }
table.heatmap caption { text-align: left; color: var(--muted); font-size: 12px; padding-bottom: 4px; }
table.heatmap th { font-weight: 600; padding: 3px 5px; white-space: nowrap; }
table.heatmap thead th { vertical-align: bottom; text-align: center; }
table.heatmap tbody th { text-align: left; }
table.heatmap td { min-width: 46px; padding: 3px 4px; text-align: center; border: 1px solid #fff; }
table.heatmap tfoot td, table.heatmap tfoot th { font-size: 12px; color: var(--muted); text-align: center; border-top: 2px solid var(--line); }
table.heatmap.overlap td { min-width: 44px; }
details.card { margin-top: 16px; }
details summary { cursor: pointer; font-weight: 600; }
table.heatmap td.rate { font-weight: 600; background: var(--bg); }
table.heatmap .layer, table.heatmap .pct { display: block; }
table.heatmap .pct { font-weight: 600; }
table.heatmap .cnt { display: block; font-size: 10.5px; opacity: 0.8; font-weight: 400; }
.legend { font-size: 12px; color: var(--muted); }
.legend span { display: inline-block; padding: 1px 8px; margin-left: 2px; border: 1px solid var(--line); }
code { font-size: 12.5px; background: var(--bg); padding: 1px 4px; border-radius: 4px; }
@media (max-width: 760px) {
  header, main, footer { padding-left: 12px; padding-right: 12px; }
  .grid, .grid.two, .grid.halves { grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); }
h3.block { margin-top: 22px; font-size: 16px; }
.grid.three { grid-template-columns: minmax(0, 1fr); }
}
footer { padding: 16px 32px 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
`;

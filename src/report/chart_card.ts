/**
 * A chart's place on the page: a titled card with an empty canvas that the page script fills
 * (`data-chart` names the kind of chart, `data-key` what it draws) and a caption for newcomers.
 */
import { escapeHtml as esc } from './escape.js';

export function chartCard(id: string, kind: string, key: string, title: string, caption: string, label: string): string {
  return `<figure class="card">
<figcaption><h3>${esc(title)}</h3></figcaption>
<div class="chart"><canvas id="${esc(id)}" data-chart="${esc(kind)}" data-key="${esc(key)}" role="img" aria-label="${esc(label)}"></canvas></div>
<p class="caption">${caption}</p>
</figure>`;
}

/**
 * Escaping for the two places run data enters the report page: HTML text/attributes, and the
 * JSON blob inside a <script> element. Every string that comes from a run directory (file
 * names, class names, option values) goes through one of these.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe for element text and for quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that can sit inside `<script type="application/json">`: `<`, `>` and `&` become \u
 * escapes so no `</script>` or `<!--` can end the element early; U+2028/2029 are escaped
 * because older JS parsers treat them as line ends. JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Script source (e.g. the Chart.js bundle) made safe to inline: a literal `</script` would end
 * the element; the source-map comment would make dev tools fetch a file that is not there.
 */
export function inlineScriptSource(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script').replace(/^\/\/# sourceMappingURL=.*$/gm, '');
}

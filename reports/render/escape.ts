/**
 * Escaping for the two places untrusted text lands in a page: HTML text/attributes, and
 * JavaScript/JSON inside a <script> element, where a literal `</script` (or `<!--`) would end
 * or confuse the element. Names in an event log (agents, scenarios) are user input.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that is safe inside <script>: every `<` becomes `\u003c` (still the same JSON value). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Library source that is safe to inline in <script>: `</script` becomes `<\/script` (the same
 * string inside a JS string literal, and the only place it can occur in minified code), and
 * `<!--` is broken the same way.
 */
export function inlineScriptSource(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

/**
 * A report document as one self-contained HTML page: styles inline, plotly.js inlined (from
 * node_modules, escaped), the chart specs as JSON, and a Content-Security-Policy that allows
 * no network request at all — the page opens offline, from a file, anywhere. When every chart
 * has rendered, the body gets `data-plots="rendered"` (or `"failed"`), which the browser tests
 * and the PDF printer wait for.
 */
import type { Block, ReportDocument, Section } from '../document.ts';
import type { PlotSpec } from '../charts/plotly-types.ts';
import { escapeHtml, scriptJson } from './escape.ts';
import { plotlyBundle } from './plotly-bundle.ts';

/** No fetches, no external scripts, styles or fonts: inline code and data: images only. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:";

const STYLE = `
:root { --fg:#1d2330; --muted:#5b6472; --line:#d9dde3; --bg:#ffffff; --soft:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 60px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header .subtitle { color: var(--muted); margin: 0 0 4px; }
header .provenance { color: var(--muted); font-size: 12px; margin: 0; }
nav.toc { margin: 16px 0 8px; padding: 8px 12px; background: var(--soft); border-radius: 6px; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav.toc a { color: #1f5fae; text-decoration: none; white-space: nowrap; max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
section { margin-top: 28px; }
section h2 { font-size: 20px; border-bottom: 2px solid var(--line); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 8px 0; }
table { border-collapse: collapse; margin: 10px 0; font-size: 13px; width: auto; max-width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.kv th { width: 30%; }
caption { caption-side: bottom; color: var(--muted); font-size: 12px; text-align: left; padding-top: 4px; }
figure.chart { margin: 14px 0 20px; }
figure.chart .plot { width: 100%; min-height: 300px; }
figure.chart figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
pre { background: var(--soft); padding: 8px 10px; border-radius: 4px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
.status { display:inline-block; font-weight:600; font-size:12px; padding:1px 8px; border-radius:10px; margin-right:8px; color:#fff; }
.status.ok { background:#2e7d32; } .status.warn { background:#d48806; } .status.bad { background:#c62828; } .status.info { background:#1f5fae; }
.banner { position: sticky; top: 0; z-index: 2000; margin: 0; padding: 8px 28px; background: #c62828; color: #fff; font-weight: 600; text-align: center; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  section.page-break { break-before: page; }
  section { margin-top: 0; }
  figure.chart, table, pre { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
`;

/** A CSS string literal (for the banner in the printed pages' top margin). */
const cssString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\n\r]+/g, ' ').replace(/</g, '\\3c ')}"`;

/** The banner on every printed page: in the page's top margin box (the on-screen one scrolls away in print). */
function printBanner(text: string): string {
  return `@media print { .banner { display: none; } } @page { @top-center { content: ${cssString(text)}; color: #c62828; font: 600 10pt system-ui, sans-serif; } }`;
}

function renderBlock(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'subheading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'keyValues':
      return `<table class="kv"><tbody>${b.rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
    case 'table': {
      const numeric = new Set(b.numeric ?? []);
      const cls = (i: number) => (numeric.has(i) ? ' class="num"' : '');
      const head = `<tr>${b.columns.map((c, i) => `<th${cls(i)}>${escapeHtml(c)}</th>`).join('')}</tr>`;
      const body = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('');
      return `<table>${b.caption ? `<caption>${escapeHtml(b.caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body}</tbody></table>`;
    }
    case 'chart':
      return `<figure class="chart"><div class="plot" id="${escapeHtml(plotElementId(b.spec.id))}"></div>${b.spec.caption ? `<figcaption>${escapeHtml(b.spec.caption)}</figcaption>` : ''}</figure>`;
    case 'code':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'status':
      return `<p><span class="status ${b.tone}">${escapeHtml(b.label)}</span>${escapeHtml(b.text)}</p>`;
  }
}

/**
 * A chart's element id: its own namespace, because Plotly draws into whatever element has the
 * id, and a section sharing a chart's id (`insurance-fund`) had its heading and table drawn over.
 */
const PLOT_ID_PREFIX = 'plot-';
const plotElementId = (chartId: string) => `${PLOT_ID_PREFIX}${chartId}`;
const SPECS_ELEMENT_ID = 'plot-specs';

/** Every element id on the page (section anchors, chart divs, the specs) must be unique. */
function checkUniqueIds(doc: ReportDocument): void {
  const ids = new Set<string>([SPECS_ELEMENT_ID]);
  const claim = (id: string, what: string) => {
    if (ids.has(id)) throw new Error(`${what} would reuse the element id "${id}"`);
    ids.add(id);
  };
  for (const s of doc.sections) {
    claim(s.id, `section "${s.title}"`);
    for (const b of s.blocks) if (b.kind === 'chart') claim(plotElementId(b.spec.id), `chart ${b.spec.id}`);
  }
}

function renderSection(s: Section): string {
  return `<section id="${escapeHtml(s.id)}"${s.pageBreak ? ' class="page-break"' : ''}><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(renderBlock).join('\n')}</section>`;
}

/** Floats to 7 significant digits: the page's data is for drawing, and this halves its size. */
function compact(spec: PlotSpec): unknown {
  return JSON.parse(JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(7)) : v)));
}

const BOOT = `
(function () {
  var specs = JSON.parse(document.getElementById('${SPECS_ELEMENT_ID}').textContent);
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['sendDataToCloud'] };
  var done = specs.map(function (s) { return Plotly.newPlot('${PLOT_ID_PREFIX}' + s.id, s.data, s.layout, config); });
  Promise.all(done).then(function () { document.body.setAttribute('data-plots', 'rendered'); },
    function (e) { document.body.setAttribute('data-plots', 'failed'); console.error('chart failed: ' + (e && e.message || e)); });
})();
`;

export function renderHtml(doc: ReportDocument): string {
  const specs = doc.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'chart' ? [compact(b.spec)] : [])));
  checkUniqueIds(doc);
  const plotly = plotlyBundle();
  const toc = doc.sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}${doc.banner ? printBanner(doc.banner) : ''}</style>
<script>/* plotly.js ${escapeHtml(plotly.version)} (MIT), inlined so the report opens offline */
${plotly.source}</script>
</head>
<body data-plots="${specs.length === 0 ? 'rendered' : 'pending'}" data-plot-count="${specs.length}">
${doc.banner ? `<p class="banner" role="alert">${escapeHtml(doc.banner)}</p>\n` : ''}<main>
<header><h1>${escapeHtml(doc.title)}</h1>${doc.subtitle ? `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>` : ''}${doc.provenance ? `<p class="provenance">${escapeHtml(doc.provenance)}</p>` : ''}</header>
<nav class="toc">${toc}</nav>
${doc.sections.map(renderSection).join('\n')}
</main>
<script type="application/json" id="${SPECS_ELEMENT_ID}">${scriptJson(specs)}</script>
<script>${BOOT}</script>
</body>
</html>
`;
}

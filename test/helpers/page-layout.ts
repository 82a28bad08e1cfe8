/**
 * Checks, in a rendered report page, that every section the document declares is on the page
 * with its heading and its tables visible: present, with a size, inside its own section, not
 * drawn into or over by a chart, and on top where a reader would look (the element under
 * sample points of its box is the element itself). And that every chart's own text can be
 * read: its title clear of the mode bar (the toolbar Plotly shows on hover), its axis titles,
 * tick labels and colour-bar title inside the chart (not clipped), tick labels clear of the
 * legend, of the axis title and of each other, and every bar chart's categories all named.
 */
import type { Page } from 'playwright-core';
import type { ReportDocument } from '../../reports/document.ts';

export interface ExpectedSection {
  readonly id: string;
  readonly title: string;
  /** Table and key–value blocks: both render as <table>. */
  readonly tables: number;
}

export function expectedSections(doc: ReportDocument): ExpectedSection[] {
  return doc.sections.map((s) => ({ id: s.id, title: s.title, tables: s.blocks.filter((b) => b.kind === 'table' || b.kind === 'keyValues').length }));
}

/** Runs in the page (a string: the test's TypeScript has no DOM types). Returns the problems found. */
const CHECK = `(expected) => {
  const problems = [];
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const describe = (el) => el ? el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') : 'nothing';
  const overlaps = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const check = (el, what) => {
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) {
      problems.push(what + ' is not visible');
      return;
    }
    for (const p of plots) {
      if (p === el || p.contains(el)) problems.push(what + ' is inside the chart ' + describe(p));
      else if (overlaps(r, p.getBoundingClientRect())) problems.push(what + ' is overlapped by the chart ' + describe(p));
    }
    // The element on top at points inside its box (clipped to the viewport) must be itself.
    const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
    const points = [[r.left + 4, top + 4], [r.right - 4, top + 4], [(r.left + r.right) / 2, (top + bottom) / 2], [r.left + 4, bottom - 4], [r.right - 4, bottom - 4]];
    for (const [x, y] of points) {
      const hit = document.elementFromPoint(x, y);
      if (!hit || !(hit === el || el.contains(hit))) {
        problems.push(what + ' is covered at (' + Math.round(x) + ', ' + Math.round(y) + ') by ' + describe(hit));
        break;
      }
    }
  };
  const sections = [...document.querySelectorAll('main > section')];
  if (sections.length !== expected.length) problems.push(sections.length + ' sections on the page, ' + expected.length + ' declared');
  for (const e of expected) {
    const s = document.getElementById(e.id);
    if (!s || s.tagName !== 'SECTION') {
      problems.push('#' + e.id + ' is ' + describe(s) + ', not the section');
      continue;
    }
    const h2 = s.querySelector(':scope > h2');
    if (!h2 || h2.textContent !== e.title) problems.push('#' + e.id + ' has no heading "' + e.title + '"');
    else check(h2, '#' + e.id + ' heading');
    const tables = [...s.querySelectorAll(':scope > table')];
    if (tables.length !== e.tables) problems.push('#' + e.id + ' shows ' + tables.length + ' of ' + e.tables + ' tables');
    tables.forEach((t, i) => check(t, '#' + e.id + ' table ' + (i + 1)));
  }
  return problems;
}`;

export async function layoutProblems(page: Page, expected: readonly ExpectedSection[]): Promise<string[]> {
  return (await page.evaluate(`(${CHECK})(${JSON.stringify(expected)})`)) as string[];
}

/** Runs in the page: the chart text problems of every Plotly chart. */
const CHART_CHECK = `(() => {
  const problems = [];
  const overlaps = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const boxes = (root, selector) => [...root.querySelectorAll(selector)].filter((e) => (e.textContent || '').trim() !== '').map((e) => ({ text: e.textContent.trim(), box: e.getBoundingClientRect() })).filter((b) => b.box.width > 0);
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const name = plot.id;
    const frame = plot.getBoundingClientRect();
    const title = boxes(plot, '.gtitle');
    const modebar = plot.querySelector('.modebar');
    if (modebar) {
      const m = modebar.getBoundingClientRect();
      for (const t of title) if (overlaps(t.box, m)) problems.push(name + ': the title "' + t.text + '" runs under the mode bar');
    }
    const texts = [...title, ...boxes(plot, '.g-xtitle text, .g-ytitle text, .g-y2title text, .xtick text, .ytick text, .y2tick text, .cbtitle text, .colorbar .cbaxis text')];
    for (const t of texts) if (!inside(t.box, frame)) problems.push(name + ': "' + t.text + '" is cut off at the edge of the chart');
    const legend = plot.querySelector('.legend');
    const ticks = boxes(plot, '.xtick text');
    if (legend) {
      const l = legend.getBoundingClientRect();
      for (const t of ticks) if (overlaps(t.box, l)) problems.push(name + ': the axis label "' + t.text + '" is under the legend');
    }
    for (const axis of ['y', 'x']) {
      const titleBox = boxes(plot, '.g-' + axis + 'title text')[0];
      if (!titleBox) continue;
      for (const t of boxes(plot, '.' + axis + 'tick text')) if (overlaps(titleBox.box, t.box)) problems.push(name + ': the ' + axis + ' axis title overlaps the label "' + t.text + '"');
    }
    for (let i = 1; i < ticks.length; i++) if (overlaps(ticks[i - 1].box, ticks[i].box)) problems.push(name + ': the axis labels "' + ticks[i - 1].text + '" and "' + ticks[i].text + '" overlap');
    // Bar charts: every category named (Plotly drops labels that would not fit).
    const bars = (plot.data || []).filter((t) => t.type === 'bar');
    if (bars.length > 0) {
      const across = bars[0].orientation === 'h';
      const categories = new Set(bars.flatMap((t) => (across ? t.y : t.x).map(String)));
      const shown = new Set(boxes(plot, across ? '.ytick text' : '.xtick text').map((t) => t.text));
      const missing = [...categories].filter((c) => !shown.has(c));
      if (missing.length > 0) problems.push(name + ': the category labels ' + missing.map((c) => '"' + c + '"').join(', ') + ' are not shown');
    }
  }
  return problems;
})()`;

export async function chartProblems(page: Page): Promise<string[]> {
  return (await page.evaluate(CHART_CHECK)) as string[];
}

/**
 * Checks, in a rendered report page, that every section the document declares is on the page
 * with its heading and its tables visible: present, with a size, inside its own section, not
 * drawn into or over by a chart, and on top where a reader would look (the element under
 * sample points of its box is the element itself).
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

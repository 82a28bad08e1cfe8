/**
 * A report document as Markdown: the same sections, text and tables as the HTML; each chart
 * becomes a line naming it, with its caption, pointing at the HTML page that draws it.
 */
import type { Block, ReportDocument } from '../document.ts';

const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function block(b: Block, htmlName: string): string {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'subheading':
      return `### ${b.text}`;
    case 'list':
      return b.items.map((i) => `- ${i}`).join('\n');
    case 'keyValues':
      return ['| | |', '| --- | --- |', ...b.rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)].join('\n');
    case 'table': {
      const numeric = new Set(b.numeric ?? []);
      const lines = [
        `| ${b.columns.map(cell).join(' | ')} |`,
        `| ${b.columns.map((_, i) => (numeric.has(i) ? '---:' : '---')).join(' | ')} |`,
        ...b.rows.map((r) => `| ${r.map((c) => cell(String(c))).join(' | ')} |`),
      ];
      if (b.caption) lines.push('', `*${b.caption}*`);
      return lines.join('\n');
    }
    case 'chart':
      return `*Chart: ${b.spec.title}* (in ${htmlName})${b.spec.caption ? ` — ${b.spec.caption}` : ''}`;
    case 'code':
      return ['```', b.text, '```'].join('\n');
    case 'status':
      return `**${b.label}** ${b.text}`;
  }
}

export function renderMarkdown(doc: ReportDocument, htmlName = 'the HTML report'): string {
  const out: string[] = [...(doc.banner ? [`> **${doc.banner}**`, ''] : []), `# ${doc.title}`, ''];
  if (doc.subtitle) out.push(doc.subtitle, '');
  if (doc.provenance) out.push(`*${doc.provenance}*`, '');
  for (const s of doc.sections) {
    out.push(`## ${s.title}`, '');
    for (const b of s.blocks) out.push(block(b, htmlName), '');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

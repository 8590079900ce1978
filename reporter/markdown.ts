// Renders the report blocks as GitHub-flavoured markdown (REPORT.md); figures link the SVG image, its PNG
// and the Vega-Lite spec written next to it.
import type { Block } from './document.js';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'paragraph':
        out.push(b.text);
        break;
      case 'list':
        out.push(b.items.length ? b.items.map((i) => `- ${cell(i)}`).join('\n') : '_none_');
        break;
      case 'table':
        out.push([`| ${b.header.map(cell).join(' | ')} |`, `|${b.header.map(() => ' --- ').join('|')}|`,
          ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n'));
        break;
      case 'figure':
        out.push(`![${b.title}](figures/${b.name}.svg)\n\n_${b.title}_ · [PNG](figures/${b.name}.png) · [Vega-Lite spec](figures/${b.name}.vl.json)`);
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

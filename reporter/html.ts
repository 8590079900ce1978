// Renders the report blocks as one self-contained report.html: vega, vega-lite and vega-embed are
// inlined from node_modules (no network), the specs are inlined as JSON and embedded interactively.
// <body data-charts="ready|error: …"> tells a headless browser when the charts are drawn.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Block } from './document.js';

const require = createRequire(import.meta.url);
const LIBS = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

/** The packages' "exports" hide their build/ files from require.resolve: find the package folder. */
function packageFile(pkg: string, file: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!dir.endsWith(`node_modules/${pkg}`) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, file);
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Text that sits inside <script>: "</script" must not appear in it. */
const scriptSafe = (s: string): string => s.replace(/<\/(script)/gi, '<\\/$1');

let libCache: string | undefined;
function libraries(): string {
  libCache ??= LIBS.map(([pkg, file]) => scriptSafe(readFileSync(packageFile(pkg, file), 'utf8').replace(/\/\/# sourceMappingURL=\S+/g, ''))).map((src) => `<script>${src}</script>`).join('\n');
  return libCache;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;white-space:nowrap}figure{margin:1.5em 0}figcaption{color:#555;font-size:13px}
.chart{overflow-x:auto}`;

/** Cells that are numbers (with a unit, a sign or "–" for missing) are right-aligned. */
const NUMERIC = /^(?:[-−+]?\d[\d.,]*(?: ?(?:%|ms|s|B|kB|MB|GB|TB))?(?: \/ .*| \(.*\))?|–(?: \/ –)?)$/;

const EMBED = `
(async () => {
  const specs = JSON.parse(document.getElementById('specs').textContent);
  try {
    for (const el of document.querySelectorAll('.chart')) {
      await vegaEmbed(el, specs[el.dataset.spec], { renderer: 'svg', actions: { export: true, source: true, compiled: false, editor: false } });
    }
    document.body.dataset.charts = 'ready';
  } catch (err) {
    document.body.dataset.charts = 'error: ' + err.message;
    console.error(err);
  }
})();`;

export function renderHtml(blocks: readonly Block[], specs: Record<string, unknown>): string {
  const body: string[] = [];
  const heading = blocks.find((b): b is Extract<Block, { kind: 'heading' }> => b.kind === 'heading');
  const title = heading?.text ?? 'Report';
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        body.push(`<h${b.level}>${esc(b.text)}</h${b.level}>`);
        break;
      case 'paragraph':
        body.push(`<p>${esc(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`);
        break;
      case 'table': {
        const head = b.header.some((h) => h !== '') ? `<thead><tr>${b.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>` : '';
        const rows = b.rows.map((r) => `<tr>${r.map((c) => `<td${NUMERIC.test(c) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`);
        body.push(`<table>${head}<tbody>${rows.join('')}</tbody></table>`);
        break;
      }
      case 'figure':
        body.push(`<figure><div class="chart" data-spec="${esc(b.name)}"></div><figcaption>${esc(b.title)} · <a href="figures/${esc(b.name)}.vl.json">Vega-Lite spec</a></figcaption></figure>`);
        break;
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><link rel="icon" href="data:,">
<style>${STYLE}</style>
${libraries()}
</head><body>
${body.join('\n')}
<script type="application/json" id="specs">${JSON.stringify(specs).replace(/</g, '\\u003c')}</script>
<script>${EMBED}</script>
</body></html>
`;
}

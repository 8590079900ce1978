// The one text-table formatter for console output (collector status, reporter query, experiment closing
// table, bench): columns padded to their widest cell, numbers right-aligned.

export type Align = 'left' | 'right';

export interface TableOptions {
  /** Per column; by default a column whose every body cell looks like a number is right-aligned. */
  readonly align?: readonly Align[];
  /** plain: columns apart by two spaces under a dashed rule; markdown: a pipe table (summary.md, README). */
  readonly style?: 'plain' | 'markdown';
}

const NUMERIC = /^[-+−]?[\d,.]+\s*(%|ms|s|MiB|MB|×)?$|^[–-]$/;

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = header.map(
    (_, i) => options.align?.[i] ?? (rows.length > 0 && rows.every((r) => NUMERIC.test(r[i] ?? '')) ? 'right' : 'left'),
  );
  const pad = (cells: readonly string[]): string[] =>
    header.map((_, i) => (align[i] === 'right' ? (cells[i] ?? '').padStart(widths[i]!) : (cells[i] ?? '').padEnd(widths[i]!)));
  if (options.style === 'markdown') {
    const line = (cells: readonly string[]): string => `| ${pad(cells).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
    return [line(header), rule, ...rows.map(line)].join('\n');
  }
  const line = (cells: readonly string[]): string => pad(cells).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A time as "2026-11-23 04:31:16Z" (UTC, whole seconds) for tables; "–" when unknown. */
export function utc(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '–' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// The review corpus (data/reviews.csv): what the load generator and latency_test.sh send.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Review, Sentiment } from './corpus-build.js';

export const CORPUS_HEADER = ['id', 'label', 'text'] as const;

/** CSV text for the corpus. Text is always quoted so latency_test.sh can split each line at the 2nd comma. */
export function formatCorpus(reviews: readonly Review[]): string {
  return stringify(
    reviews.map((r) => [r.id, r.label, r.text]),
    {
      header: true,
      columns: [...CORPUS_HEADER],
      record_delimiter: 'unix',
      cast: { string: (value, ctx) => (ctx.header || ctx.column !== 2 ? value : { value, quoted: true }) },
    },
  );
}

/** Parses and checks the corpus once at the boundary. */
export function parseCorpus(csv: string): Review[] {
  const records = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return records.map((rec, i) => {
    const id = Number(rec.id);
    const label = rec.label;
    const text = rec.text;
    if (!Number.isInteger(id) || id < 1) throw new Error(`reviews row ${i + 1}: bad id ${JSON.stringify(rec.id)}`);
    if (label !== 'POSITIVE' && label !== 'NEGATIVE') throw new Error(`reviews row ${i + 1}: bad label ${JSON.stringify(label)}`);
    if (!text) throw new Error(`reviews row ${i + 1}: empty text`);
    return { id, label: label as Sentiment, text };
  });
}

export function loadCorpus(path: string): Review[] {
  return parseCorpus(readFileSync(path, 'utf8'));
}

// The review corpora (data/reviews.csv, data/long-reviews.csv): what the load generator, the experiment
// and latency_test.sh send.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { errorText } from '../common/error-text.js';
import { UsageError } from '../contracts/usage-error.js';
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

/**
 * The corpora under data/, by name (`--corpus NAME` reads data/<NAME>.csv): short review sentences
 * (about 1 ms of model time on the bundled q8 model) and passages of about 300 tokens (the heavier work level).
 */
export const CORPUS_NAMES = ['reviews', 'long-reviews'] as const;
export const DEFAULT_CORPUS = 'reviews';

/** A corpus chosen on the command line, read and checked. */
export interface Corpus {
  /** A bundled corpus's name, or the absolute path of a CSV file given instead. */
  readonly name: string;
  readonly path: string;
  readonly texts: string[];
}

/**
 * `--corpus NAME|PATH`: a bundled name first, anything else a CSV file of the same layout. Read and
 * checked here, before anything starts: a bad value is a UsageError naming it.
 */
export function openCorpus(value: string, root: string): Corpus {
  const bundled = (CORPUS_NAMES as readonly string[]).includes(value);
  const path = bundled ? join(root, 'data', `${value}.csv`) : resolve(value);
  let texts: string[];
  try {
    texts = loadCorpus(path).map((r) => r.text);
  } catch (err) {
    const what = bundled ? `the bundled corpus ${path}` : `not a bundled corpus (${CORPUS_NAMES.join(', ')}) nor a readable corpus file`;
    throw new UsageError(`--corpus '${value}': ${what}: ${errorText(err)}`);
  }
  if (texts.length === 0) throw new UsageError(`--corpus '${value}': ${path} holds no reviews`);
  return { name: bundled ? value : path, path, texts };
}

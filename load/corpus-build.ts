// How data/reviews.csv was made from SST-2's labelled test sentences. Pure functions, so the selection
// is reproducible and tested; the thin bin `corpus-make.ts` does the file I/O.

export type Sentiment = 'POSITIVE' | 'NEGATIVE';

export interface Review {
  readonly id: number;
  readonly label: Sentiment;
  readonly text: string;
}

/** SST-2 text is lower-cased and PTB-tokenized; undo the tokenization lightly so it reads like a review. */
export function detokenize(tokenized: string): string {
  // PTB also escapes slashes and asterisks (`action\/effects`).
  let s = ` ${tokenized.trim().replace(/\\([/*])/g, '$1')} `;
  s = s.replace(/ -lrb- /g, ' (').replace(/ -rrb- /g, ') ');
  // `` and '' are PTB's opening and closing double quotes.
  s = s.replace(/ `` /g, ' "').replace(/ '' /g, '" ');
  s = s.replace(/ (n't|'s|'re|'ve|'ll|'d|'m) /g, '$1 ');
  s = s.replace(/ ([,.!?;:%]) /g, '$1 ').replace(/ ([,.!?;:%]) /g, '$1 ');
  s = s.replace(/ i /g, ' I ').replace(/ i'(m|ve|ll|d) /g, " I'$1 ");
  s = s.replace(/\s+/g, ' ').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Parses SST-2 `label<TAB>sentence` lines (header first); 0 = negative, 1 = positive. */
export function parseSst2(tsv: string): { label: Sentiment; text: string }[] {
  const rows: { label: Sentiment; text: string }[] = [];
  for (const line of tsv.split('\n').slice(1)) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const flag = line.slice(0, tab);
    if (flag !== '0' && flag !== '1') throw new Error(`SST-2 line with label ${JSON.stringify(flag)}`);
    rows.push({ label: flag === '1' ? 'POSITIVE' : 'NEGATIVE', text: line.slice(tab + 1) });
  }
  return rows;
}

/** Readable: a whole sentence of review length, no leftover PTB tokens. */
export function isReadable(text: string): boolean {
  return text.length >= 50 && text.length <= 200 && !/-[lr][rc]b-|``|''| --/.test(text) && /[.!?]$/.test(text);
}

/**
 * Picks `perLabel` readable sentences of each label, evenly spaced through the file (so no single
 * stretch of the test set dominates), and interleaves them negative/positive.
 */
export function selectReviews(rows: readonly { label: Sentiment; text: string }[], perLabel: number): Review[] {
  const byLabel = (label: Sentiment): string[] => {
    const pool = rows.filter((r) => r.label === label).map((r) => detokenize(r.text)).filter(isReadable);
    if (pool.length < perLabel) throw new Error(`only ${pool.length} readable ${label} sentences`);
    return Array.from({ length: perLabel }, (_, i) => pool[Math.floor((i * pool.length) / perLabel)]!);
  };
  const neg = byLabel('NEGATIVE');
  const pos = byLabel('POSITIVE');
  const out: Review[] = [];
  for (let i = 0; i < perLabel; i++) {
    out.push({ id: out.length + 1, label: 'NEGATIVE', text: neg[i]! });
    out.push({ id: out.length + 1, label: 'POSITIVE', text: pos[i]! });
  }
  return out;
}

// ---- data/long-reviews.csv: the heavier work level (hundreds of tokens per request) ----

/** Token budget of one long review, [CLS] and [SEP] included: hundreds of tokens, under the model's 512. */
export const LONG_REVIEW_TOKENS = 320;

/** A whole sentence without leftover PTB tokens (any length: long reviews are made of several). */
export function isWholeSentence(text: string): boolean {
  return !/-[lr][rc]b-|``|''| --/.test(text) && /[.!?]$/.test(text);
}

/**
 * The long reviews of one label: its whole sentences in file order, joined with a space, a review closed
 * when the next sentence would take it past `budget` tokens (as `countTokens` counts the joined text).
 * Every sentence is used once; the unfinished last review is dropped, so each review is within one
 * sentence of the budget. SST-2's snippets come from different reviews: these are passages built from
 * same-polarity snippets, not reviews someone wrote.
 */
export function joinSentences(sentences: readonly string[], countTokens: (text: string) => number, budget: number): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const sentence of sentences) {
    const next = [...current, sentence];
    if (current.length > 0 && countTokens(next.join(' ')) > budget) {
      out.push(current.join(' '));
      current = [sentence];
    } else {
      current = next;
    }
  }
  return out;
}

/**
 * Long reviews: for each label, its detokenized whole sentences joined up to `budget` tokens
 * (joinSentences); as many of each label as the scarcer label gives, interleaved negative/positive.
 */
export function selectLongReviews(rows: readonly { label: Sentiment; text: string }[], countTokens: (text: string) => number, budget: number): Review[] {
  const byLabel = (label: Sentiment): string[] =>
    joinSentences(rows.filter((r) => r.label === label).map((r) => detokenize(r.text)).filter(isWholeSentence), countTokens, budget);
  const neg = byLabel('NEGATIVE');
  const pos = byLabel('POSITIVE');
  const out: Review[] = [];
  for (let i = 0; i < Math.min(neg.length, pos.length); i++) {
    out.push({ id: out.length + 1, label: 'NEGATIVE', text: neg[i]! });
    out.push({ id: out.length + 1, label: 'POSITIVE', text: pos[i]! });
  }
  return out;
}

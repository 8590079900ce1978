// Rebuilds a corpus from SST-2's test.tsv:
//   node dist/load/corpus-make.js <test.tsv> <out.csv>          data/reviews.csv (sentences)
//   node dist/load/corpus-make.js --long <test.tsv> <out.csv>   data/long-reviews.csv (joined to LONG_REVIEW_TOKENS)
import { readFileSync, writeFileSync } from 'node:fs';
import { LONG_REVIEW_TOKENS, parseSst2, selectLongReviews, selectReviews } from './corpus-build.js';
import { formatCorpus } from './corpus.js';
import { modelTokenCounter } from './token-count.js';

const args = process.argv.slice(2);
const long = args[0] === '--long';
const [tsv, out] = long ? args.slice(1) : args;
if (!tsv || !out) {
  process.stderr.write('usage: corpus-make [--long] <sst2 test.tsv> <out.csv>\n');
  process.exit(2);
}
const rows = parseSst2(readFileSync(tsv, 'utf8'));
const reviews = long ? selectLongReviews(rows, await modelTokenCounter(), LONG_REVIEW_TOKENS) : selectReviews(rows, 80);
writeFileSync(out, formatCorpus(reviews));
process.stdout.write(`wrote ${reviews.length} reviews to ${out}\n`);

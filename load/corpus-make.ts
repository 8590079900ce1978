// Rebuilds data/reviews.csv from SST-2's test.tsv: node dist/load/corpus-make.js <test.tsv> <out.csv>
import { readFileSync, writeFileSync } from 'node:fs';
import { parseSst2, selectReviews } from './corpus-build.js';
import { formatCorpus } from './corpus.js';

const [tsv, out] = process.argv.slice(2);
if (!tsv || !out) {
  process.stderr.write('usage: corpus-make <sst2 test.tsv> <out.csv>\n');
  process.exit(2);
}
const reviews = selectReviews(parseSst2(readFileSync(tsv, 'utf8')), 80);
writeFileSync(out, formatCorpus(reviews));
process.stdout.write(`wrote ${reviews.length} reviews to ${out}\n`);

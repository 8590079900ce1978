// The request corpora: --corpus by name, by path and a bad value; the long-review corpus's rule
// (joined to a token budget with the model's own tokenizer) and its deterministic rebuild.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { findPackageRoot } from '../../common/package-root.js';
import { runCommand } from '../../common/run-command.js';
import { UsageError } from '../../contracts/usage-error.js';
import { joinSentences, LONG_REVIEW_TOKENS, parseSst2, selectLongReviews } from '../corpus-build.js';
import { CORPUS_NAMES, formatCorpus, loadCorpus, openCorpus } from '../corpus.js';
import { modelTokenCounter } from '../token-count.js';

const root = findPackageRoot();

/** SST-2's test.tsv as shipped beside the project (../shared/datasets), or where SST2_TEST_TSV says. */
const sst2Test = [process.env.SST2_TEST_TSV, join(root, '..', 'shared', 'datasets', 'sst2', 'test.tsv')].find((p) => p !== undefined && existsSync(p));

describe('--corpus NAME|PATH', () => {
  it('reads a bundled corpus by name', () => {
    assert.deepEqual([...CORPUS_NAMES], ['reviews', 'long-reviews']);
    const short = openCorpus('reviews', root);
    assert.equal(short.name, 'reviews');
    assert.equal(short.texts.length, 160);
    const long = openCorpus('long-reviews', root);
    assert.deepEqual([long.name, long.path, long.texts.length], ['long-reviews', join(root, 'data', 'long-reviews.csv'), 120]);
  });

  it('reads a CSV file given by path, recorded under its absolute path', () => {
    const file = join(tmpdir(), `corpus-${process.pid}.csv`);
    writeFileSync(file, formatCorpus([{ id: 1, label: 'POSITIVE', text: 'A fine film.' }]));
    const c = openCorpus(file, root);
    assert.deepEqual([c.name, c.texts], [file, ['A fine film.']]);
  });

  it('refuses a value that is neither, naming it', () => {
    assert.throws(() => openCorpus('long_reviews', root), (e: unknown) => e instanceof UsageError
      && /^--corpus 'long_reviews': not a bundled corpus \(reviews, long-reviews\) nor a readable corpus file/.test(e.message));
    assert.throws(() => openCorpus(join(root, 'package.json'), root), /--corpus '.*package\.json': not a bundled corpus/);
  });

  it('a bad --corpus exits 2 naming it, before any request is sent (load and experiment)', async () => {
    for (const cli of ['dist/load/cli.js', 'dist/experiment/cli.js']) {
      // Port 1: nothing listens there; a request would fail with ECONNREFUSED, not a usage error.
      const r = await runCommand(process.execPath, [join(root, cli), '--corpus', 'no-such-corpus', '--port', '1'], { cwd: root, timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${cli}: ${r.stderr}`);
      assert.match(r.stderr, /--corpus 'no-such-corpus': not a bundled corpus \(reviews, long-reviews\)/);
      assert.doesNotMatch(r.stderr, /ECONNREFUSED|round 1/);
    }
  });
});

describe('data/long-reviews.csv', () => {
  let count: (text: string) => number;
  before(async () => {
    count = await modelTokenCounter();
  });

  it('joins same-label sentences in order until the next would pass the budget; drops the unfinished last one', () => {
    const words = (t: string): number => t.split(' ').length;
    assert.deepEqual(joinSentences(['a b', 'c d', 'e f g', 'h', 'i j k l m n', 'o'], words, 5), ['a b c d', 'e f g h', 'i j k l m n']);
    assert.deepEqual(joinSentences(['a b'], words, 5), []);
  });

  it('holds passages of hundreds of tokens (model tokenizer), within the budget, negative/positive interleaved', () => {
    const reviews = loadCorpus(join(root, 'data', 'long-reviews.csv'));
    assert.equal(reviews.length, 120);
    assert.deepEqual(reviews.map((r) => r.id), reviews.map((_, i) => i + 1));
    assert.ok(reviews.every((r, i) => r.label === (i % 2 === 0 ? 'NEGATIVE' : 'POSITIVE')));
    const tokens = reviews.map((r) => count(r.text));
    assert.ok(Math.max(...tokens) <= LONG_REVIEW_TOKENS, `max ${Math.max(...tokens)}`);
    assert.ok(Math.min(...tokens) >= 200, `min ${Math.min(...tokens)}`);
  });

  it('is rebuilt byte for byte from SST-2 test.tsv by its rule', (t) => {
    if (!sst2Test) return t.skip('SST-2 test.tsv not found (../shared/datasets/sst2/test.tsv or SST2_TEST_TSV)');
    const rebuilt = formatCorpus(selectLongReviews(parseSst2(readFileSync(sst2Test, 'utf8')), count, LONG_REVIEW_TOKENS));
    assert.equal(rebuilt, readFileSync(join(root, 'data', 'long-reviews.csv'), 'utf8'));
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePositiveInt } from '../../common/cli-args.js';
import { CLIENT_CSV_HEADER_LINE, type ClientRequest } from '../../contracts/client-csv.js';
import { parseLabel } from '../../contracts/label.js';
import { UsageError } from '../../contracts/usage-error.js';
import { detokenize, isReadable, parseSst2, selectReviews } from '../corpus-build.js';
import { formatCorpus, parseCorpus } from '../corpus.js';
import { parseLoadArgs } from '../options.js';
import { findPackageRoot } from '../../common/package-root.js';
import { errorCode, formatClientRow, headerNumber, statusError } from '../rows.js';
import { ClosedLoopQuota, intendedMs, openLoopCount } from '../schedule.js';
import { formatLoadSummary, LoadSummaryBuilder, type LoadSummary } from '../stats.js';

/** The summary of a phase whose requests were `rows`, as runLoad builds it request by request. */
function summaryOf(rows: readonly ClientRequest[], meta: { startMs: number; endMs: number; cpuMicros: number }): LoadSummary {
  const builder = new LoadSummaryBuilder();
  for (const r of rows) builder.add(r);
  return builder.finish({ label: 'x', phase: 'p', ...meta });
}

const row = (over: Partial<ClientRequest>): ClientRequest => ({
  label: 'native', phase: 'sequential', seq: 1, requestId: 'id', intendedMs: 1000, sentMs: 1000.5, doneMs: 1003,
  latencyMs: 3, status: 200, error: '', serverLatencyMs: 1.5, replica: 'r1', prediction: 'POSITIVE', bytesSent: 220, bytesReceived: 180, ...over,
});

describe('load generator, pure parts', () => {
  describe('open-loop schedule', () => {
    it('puts request i at start + i/rate, computed from i so it never drifts', () => {
      assert.equal(intendedMs(1000, 50, 0), 1000);
      assert.equal(intendedMs(1000, 50, 1), 1020);
      assert.equal(intendedMs(1000, 3, 3_000_000), 1000 + 1_000_000_000);
    });
    it('sends rate × duration requests, capped by --requests', () => {
      assert.equal(openLoopCount(50, 10_000, undefined), 500);
      assert.equal(openLoopCount(50, 10_000, 20), 20);
      assert.equal(openLoopCount(50, undefined, 7), 7);
      assert.throws(() => openLoopCount(50, undefined, undefined), /--duration or --requests/);
    });
  });

  describe('closed-loop quota', () => {
    it('hands out 1..M then stops', () => {
      const q = new ClosedLoopQuota(3, undefined);
      assert.deepEqual([q.claim(0), q.claim(0), q.claim(0), q.claim(0)], [1, 2, 3, undefined]);
    });
    it('stops at the deadline when running for a duration', () => {
      const q = new ClosedLoopQuota(undefined, 100);
      assert.equal(q.claim(99), 1);
      assert.equal(q.claim(100), undefined);
    });
    it('needs a request count or a duration', () => {
      assert.throws(() => new ClosedLoopQuota(undefined, undefined), /--requests or --duration/);
    });
  });

  describe('client CSV rows', () => {
    it('has exactly the documented header', () => {
      assert.equal(
        CLIENT_CSV_HEADER_LINE,
        'label,phase,seq,request_id,intended_ms,sent_ms,done_ms,latency_ms,status,error,server_latency_ms,replica,prediction,bytes_sent,bytes_received\n',
      );
    });
    it('writes ms with 3 decimals and empty fields for what the response did not carry', () => {
      assert.equal(formatClientRow(row({})), 'native,sequential,1,id,1000.000,1000.500,1003.000,3.000,200,,1.5,r1,POSITIVE,220,180\n');
      assert.equal(
        formatClientRow(row({ status: 0, error: 'timeout', serverLatencyMs: null, replica: null, prediction: null, bytesReceived: 0 })),
        'native,sequential,1,id,1000.000,1000.500,1003.000,3.000,0,timeout,,,,220,0\n',
      );
    });
    it('quotes a replica name with a comma', () => {
      assert.match(formatClientRow(row({ replica: 'a,b' })), /,"a,b",POSITIVE,220,180\n$/);
    });
    it('names errors by code', () => {
      assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
      assert.equal(errorCode(Object.assign(new Error('x'), { name: 'TimeoutError' })), 'timeout');
      assert.equal(errorCode(Object.assign(new Error('x'), { name: 'AbortError' })), 'aborted');
      assert.equal(errorCode(new Error('socket hang up')), 'ECONNRESET');
      assert.equal(errorCode('??'), 'error');
      assert.equal(statusError(200), '');
      assert.equal(statusError(503), 'http_503');
    });
    it('reads numeric headers, null when absent or junk', () => {
      assert.equal(headerNumber('12.5'), 12.5);
      assert.equal(headerNumber(undefined), null);
      assert.equal(headerNumber('abc'), null);
      assert.equal(headerNumber(' '), null);
    });
  });

  describe('summary', () => {
    it('takes exact nearest-rank percentiles (the reporter\'s rule)', () => {
      const rows = Array.from({ length: 100 }, (_, i) => row({ seq: i + 1, latencyMs: 100 - i + 0.0001 }));
      const p = summaryOf(rows, { startMs: 0, endMs: 1000, cpuMicros: 0 }).latencyMs;
      assert.ok(p);
      assert.ok(Math.abs(p.p50 - 50) <= 0.05, `p50 ${p.p50}`);
      assert.ok(Math.abs(p.p99 - 99) <= 0.1, `p99 ${p.p99}`);
      assert.ok(Math.abs(p.max - 100) <= 0.1, `max ${p.max}`);
      assert.deepEqual([p.p50, p.p90, p.p99, p.max], [50.0001, 90.0001, 99.0001, 100.0001]);
      const many = Array.from({ length: 5000 }, (_, i) => row({ seq: i + 1, latencyMs: (i * 7919) % 5000 }));
      assert.equal(summaryOf(many, { startMs: 0, endMs: 1000, cpuMicros: 0 }).latencyMs?.p90, 4499, 'beyond the first 1024 values');
      assert.equal(summaryOf([], { startMs: 0, endMs: 1000, cpuMicros: 0 }).latencyMs, null);
    });
    it('counts errors by kind, shares by replica, req/s over wall time and generator CPU', () => {
      const rows = [
        row({ seq: 1, replica: 'a' }), row({ seq: 2, replica: 'a' }), row({ seq: 3, replica: 'b' }),
        row({ seq: 4, status: 0, error: 'timeout', replica: null }), row({ seq: 5, status: 503, error: 'http_503', replica: null }),
      ];
      const s = summaryOf(rows, { startMs: 0, endMs: 2000, cpuMicros: 500_000 });
      assert.equal(s.requests, 5);
      assert.equal(s.ok, 3);
      assert.deepEqual(s.errors, { timeout: 1, http_503: 1 });
      assert.equal(s.rps, 1.5);
      assert.deepEqual(s.replicaShares, { a: 2 / 3, b: 1 / 3 });
      assert.equal(s.cpuPercent, 25);
      assert.match(formatLoadSummary(s), /errors: timeout=1 http_503=1/);
      assert.match(formatLoadSummary(s), /a 66\.7%, b 33\.3%/);
    });
    it('sums the bytes of every request on the wire, failed ones too, and prints them per successful request', () => {
      const rows = [row({ seq: 1 }), row({ seq: 2 }), row({ seq: 3, status: 0, error: 'ECONNRESET', bytesReceived: 40 })];
      const s = summaryOf(rows, { startMs: 0, endMs: 1000, cpuMicros: 0 });
      assert.equal(s.bytesSent, 660);
      assert.equal(s.bytesReceived, 400);
      assert.match(formatLoadSummary(s), /per successful request\): 330 B sent, 200 B received/);
    });
    it('has no latency figures when nothing answered', () => {
      const s = summaryOf([row({ status: 0, error: 'ECONNREFUSED' })], { startMs: 0, endMs: 1, cpuMicros: 0 });
      assert.equal(s.latencyMs, null);
      assert.equal(s.serverLatencyP50Ms, null);
      assert.match(formatLoadSummary(s), /p50 - /);
    });
  });

  describe('command-line values', () => {
    it('reads durations in ms, s and m, and refuses a bare number (a unit is required)', () => {
      assert.equal(parseLoadArgs(['--duration', '500ms']).durationMs, 500);
      assert.equal(parseLoadArgs(['--duration', '1.5s']).durationMs, 1500);
      assert.equal(parseLoadArgs(['--duration', '2m']).durationMs, 120_000);
      assert.equal(parseLoadArgs(['--timeout', '3s']).timeoutMs, 3000);
      for (const flag of ['duration', 'timeout']) {
        for (const bad of ['3', '10x', '0s', '']) {
          assert.throws(() => parseLoadArgs([`--${flag}`, bad]), (err: unknown) => {
            assert.ok(err instanceof UsageError);
            assert.equal(err.message, `--${flag}: expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '${bad}'`);
            return true;
          });
        }
      }
    });
    it('rejects counts that are not whole positive numbers, naming the option', () => {
      assert.equal(parsePositiveInt('requests', '160'), 160);
      assert.throws(() => parsePositiveInt('requests', '1e3'), /--requests: .*'1e3'/);
      assert.throws(() => parsePositiveInt('concurrency', '0'), /--concurrency/);
    });
    it('keeps labels to folder-safe names', () => {
      assert.equal(parseLabel('label', 'swarm-3'), 'swarm-3');
      assert.throws(() => parseLabel('label', '../etc'), /--label: .*'\.\.\/etc'/);
    });
    it('defaults to the 160 sequential requests of the latency test', () => {
      const o = parseLoadArgs([]);
      assert.equal(o.requests, 160);
      assert.equal(o.concurrency, 1);
      assert.equal(o.rateRps, undefined);
      assert.equal(o.phase, 'sequential');
      assert.equal(o.port, 5000);
    });
    it('runs the open loop for 10 s by default and names the phase', () => {
      const o = parseLoadArgs(['--rate', '50']);
      assert.equal(o.durationMs, 10_000);
      assert.equal(o.phase, 'open');
      assert.equal(parseLoadArgs(['--concurrency', '16']).phase, 'concurrent');
    });
    it('refuses --rate with --concurrency, unknown options and bad ports', () => {
      assert.throws(() => parseLoadArgs(['--rate', '5', '--concurrency', '2']), UsageError);
      assert.throws(() => parseLoadArgs(['--bogus']), UsageError);
      assert.throws(() => parseLoadArgs(['--port', '70000']), /--port: .*'70000'/);
    });
  });

  describe('review corpus', () => {
    it('detokenizes PTB text lightly', () => {
      assert.equal(detokenize("it 's not that it does n't work , it 's that i ca n't care ."), "It's not that it doesn't work, it's that I can't care.");
      assert.equal(detokenize("a `` spider '' -lrb- sort of -rrb- action\\/effects movie !"), 'A "spider" (sort of) action/effects movie!');
    });
    it('keeps only whole sentences of review length', () => {
      assert.equal(isReadable('Too short.'), false);
      assert.equal(isReadable('A perfectly ordinary sentence that is long enough to count.'), true);
      assert.equal(isReadable('A perfectly ordinary sentence that is long enough -- but no end'), false);
    });
    it('picks the same number of each label, interleaved, evenly spaced', () => {
      const text = (i: number): string => `sentence number ${i} that is long enough to be a review .`;
      const tsv = ['label\tcontent', ...Array.from({ length: 40 }, (_, i) => `${i % 2}\t${text(i)}`)].join('\n');
      const picked = selectReviews(parseSst2(tsv), 5);
      assert.equal(picked.length, 10);
      assert.deepEqual(picked.slice(0, 2).map((r) => r.label), ['NEGATIVE', 'POSITIVE']);
      assert.deepEqual(picked.filter((r) => r.label === 'NEGATIVE').map((r) => r.text.split(' ')[2]), ['0', '8', '16', '24', '32']);
      assert.throws(() => selectReviews(parseSst2(tsv), 21), /only 20 readable NEGATIVE/);
    });
    it('round-trips through CSV, quotes and all', () => {
      const reviews = [{ id: 1, label: 'POSITIVE' as const, text: 'A "quoted", comma\'d review.' }];
      const csv = formatCorpus(reviews);
      assert.equal(csv, 'id,label,text\n1,POSITIVE,"A ""quoted"", comma\'d review."\n');
      assert.deepEqual(parseCorpus(csv), reviews);
      assert.throws(() => parseCorpus('id,label,text\n1,MAYBE,"x"\n'), /row 1: bad label "MAYBE"/);
    });
    it('ships 160 reviews, 80 positive and 80 negative, one line each', () => {
      const csv = readFileSync(join(findPackageRoot(), 'data/reviews.csv'), 'utf8');
      const reviews = parseCorpus(csv);
      assert.equal(reviews.length, 160);
      assert.equal(reviews.filter((r) => r.label === 'POSITIVE').length, 80);
      assert.equal(csv.trimEnd().split('\n').length, 161);
      assert.ok(reviews.every((r) => !/[\r\n]/.test(r.text)));
    });
  });
});

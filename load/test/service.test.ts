import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { loadCorpus } from '../corpus.js';
import { findPackageRoot } from '../../common/package-root.js';
import { runLoad } from '../run.js';
import { serviceLike, startLocalServer, startRealService } from '../../test-support/local-servers.js';
import type { RunningService } from '../../service/service.js';
import { runCommand } from '../../common/run-command.js';

const root = findPackageRoot();
const csvRecords = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

const run = (cmd: string, args: string[]) => runCommand(cmd, args, { cwd: root });

describe('load generator and latency_test.sh against the real service', () => {
  let service: RunningService;
  let port: number;
  let csvFile: string;
  before(async () => ({ service, port, csvFile } = await startRealService()));
  after(() => service.close());

  it('latency_test.sh (plain sh) sends the 160 reviews: with one curl example the service CSV has 161 rows', async () => {
    const example = await run('curl', ['-sS', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"text": "This movie was fantastic!"}', `http://127.0.0.1:${port}/infer`]);
    assert.equal(example.code, 0, example.stderr);
    const r = await run('sh', [join(root, 'deploy/latency_test.sh'), '127.0.0.1', String(port)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^Query \d+$/gm)?.length, 160);
    assert.match(r.stdout, /^Query 160$/m);
    const rows = csvRecords(csvFile);
    assert.equal(rows.length, 161);
    const corpus = loadCorpus(join(root, 'data/reviews.csv'));
    // Every text arrives intact (quotes, apostrophes, accents), in order.
    assert.deepEqual(rows.slice(1).map((x) => x['Input Text']), corpus.map((c) => c.text));
  });

  it('runs the 160 sequential requests of the latency test and matches request ids with the service CSV', async () => {
    const texts = loadCorpus(join(root, 'data/reviews.csv')).map((r) => r.text);
    const before = csvRecords(csvFile).length;
    const { rows, summary } = await runLoad({
      target: { host: '127.0.0.1', port, path: '/infer' }, label: 'native', phase: 'sequential',
      concurrency: 1, requests: 160, timeoutMs: 30_000, texts,
    });
    assert.equal(summary.ok, 160);
    assert.deepEqual(summary.replicaShares, { 'test-replica': 1 });
    assert.ok(rows.every((r) => (r.prediction === 'POSITIVE' || r.prediction === 'NEGATIVE') && r.serverLatencyMs !== null));
    // The real service's answers on the wire: a head of a few hundred bytes and a JSON body each way.
    assert.ok(rows.every((r) => r.bytesSent > 150 && r.bytesReceived > 150), 'bytes on the wire of every request');
    const logged = csvRecords(csvFile).slice(before);
    assert.deepEqual(logged.map((x) => x['Request ID']), rows.map((r) => r.requestId));
  });
});

describe('load CLI', () => {
  it('writes the client CSV and prints a summary', async () => {
    const server = await startLocalServer(serviceLike('cli-replica'));
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'ldb-load-')), 'client.csv');
      const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--port', String(server.port), '--requests', '5', '--concurrency', '2', '--label', 'cli', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /cli\/concurrent: 5 requests, 5 ok, errors: none/);
      assert.match(r.stdout, /p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ max [\d.]+/);
      assert.match(r.stdout, /cli-replica 100\.0%; load generator CPU [\d.]+%/);
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0], 'label,phase,seq,request_id,intended_ms,sent_ms,done_ms,latency_ms,status,error,server_latency_ms,replica,prediction,bytes_sent,bytes_received');
      assert.equal(lines.length, 6);
      // Every row carries its bytes on the wire; the exact counts are load/test/wire-bytes.test.ts's job.
      for (const r of csvRecords(out)) assert.ok(Number(r['bytes_sent']) > 100 && Number(r['bytes_received']) > 100, JSON.stringify(r));
      assert.match(r.stdout, /on the wire \(HTTP, per successful request\): \d+ B sent, \d+ B received/);
    } finally {
      await server.close();
    }
  });

  it('stops with exit 2 on a duration without a unit, naming the flag and the accepted forms, before sending anything', async () => {
    const server = await startLocalServer(serviceLike());
    try {
      const dir = mkdtempSync(join(tmpdir(), 'ldb-load-'));
      for (const [flag, value] of [['duration', '10'], ['timeout', '5'], ['duration', 'soon'], ['timeout', '0ms']] as const) {
        const out = join(dir, `${flag}-${value}.csv`);
        const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--port', String(server.port), `--${flag}`, value, '--out', out]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr, `load: --${flag}: expected a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 1.5s, 2m), got '${value}'\n`);
        assert.equal(existsSync(out), false, 'no client CSV was opened');
      }
      assert.equal(server.received.length, 0, 'no request was sent');
    } finally {
      await server.close();
    }
  });

  it('exits 2 with one line naming a bad value', async () => {
    const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--concurrency', 'many']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "load: --concurrency: expected a whole number from 1 to 10000, got 'many'\n");
  });

  it('refuses to append to a file that is not a client CSV, leaving it untouched (exit 2)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ldb-load-')), 'service.csv');
    writeFileSync(file, 'Inference Latency (ms),Prediction,Input Text,Timestamp\n');
    const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--port', '1', '--requests', '1', '--out', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^load: --out .*service\.csv: .* is not a client CSV/);
    assert.equal(readFileSync(file, 'utf8'), 'Inference Latency (ms),Prediction,Input Text,Timestamp\n');
  });

  it('refuses to append to a client CSV written before the byte columns, saying so (exit 2)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ldb-load-')), 'client.csv');
    const old = 'label,phase,seq,request_id,intended_ms,sent_ms,done_ms,latency_ms,status,error,server_latency_ms,replica,prediction\n';
    writeFileSync(file, old);
    const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--port', '1', '--requests', '1', '--out', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /written before the byte columns/);
    assert.equal(readFileSync(file, 'utf8'), old);
  });

  it('exits 1 when requests fail (nothing listening)', async () => {
    const server = await startLocalServer(() => {});
    const port = server.port;
    await server.close();
    const r = await run(process.execPath, [join(root, 'dist/load/cli.js'), '--port', String(port), '--requests', '2']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /errors: ECONNREFUSED=2/);
  });
});

describe('latency_test.sh usage', () => {
  it('refuses to run without HOST and PORT (exit 2, usage on stderr)', async () => {
    const r = await run('sh', [join(root, 'deploy/latency_test.sh')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^usage: sh latency_test.sh HOST PORT/);
  });
});

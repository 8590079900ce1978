import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unneutraliseCell } from '../../contracts/service-csv.js';
import { parseCsv, postInfer, readCsvFile, startTestService, type TestService } from '../testing/harness.js';

describe('POST /infer with the bundled model', () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(async () => {
    await t.stop();
  });

  describe('the example review "This movie was fantastic!"', () => {
    it('answers POSITIVE as CSV that starts with latency, prediction, text and timestamp', async () => {
      const res = await postInfer(t.url, { text: 'This movie was fantastic!' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      const body = await res.text();
      const [header, line, rest] = body.split('\r\n');
      assert.ok(header?.startsWith('Inference Latency (ms),Prediction,Input Text,Timestamp,'));
      assert.equal(rest, '');
      const cells = line!.split(',');
      assert.match(cells[0]!, /^\d+\.\d{2}$/);
      assert.equal(cells[1], 'POSITIVE');
      assert.equal(cells[2], 'This movie was fantastic!');
      assert.match(cells[3]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
    it('sets X-Replica, X-Request-Id and X-Inference-Latency-Ms to the row values', async () => {
      const res = await postInfer(t.url, { text: 'This movie was fantastic!' });
      const [row] = parseCsv(await res.text());
      assert.equal(res.headers.get('x-replica'), 'test-replica');
      assert.equal(res.headers.get('x-replica'), row!['Replica']);
      assert.equal(res.headers.get('x-request-id'), row!['Request ID']);
      assert.match(row!['Request ID']!, /^[0-9a-f-]{36}$/);
      assert.equal(res.headers.get('x-inference-latency-ms'), row!['Inference Latency (ms)']);
    });
  });

  describe('a negative review', () => {
    it('answers NEGATIVE', async () => {
      const res = await postInfer(t.url, { text: 'A dull, lifeless and boring mess. I hated every minute.' });
      const [row] = parseCsv(await res.text());
      assert.equal(row!['Prediction'], 'NEGATIVE');
    });
  });

  describe('with Accept: application/json', () => {
    it('answers the same fields as JSON', async () => {
      const res = await postInfer(
        t.url,
        { text: 'This movie was fantastic!' },
        { headers: { Accept: 'application/json', 'X-Request-Id': 'client-42' } },
      );
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), [
        'batchSize',
        'latencyMs',
        'prediction',
        'replica',
        'requestId',
        'score',
        'text',
        'timestamp',
      ]);
      assert.equal(body['prediction'], 'POSITIVE');
      assert.equal(body['requestId'], 'client-42');
      assert.equal(body['batchSize'], 1);
      assert.ok(typeof body['score'] === 'number' && body['score'] > 0.5 && body['score'] <= 1);
    });
  });

  describe('with a client X-Request-Id', () => {
    it('keeps a sane one and replaces an unsafe one with a UUID', async () => {
      const kept = await postInfer(t.url, { text: 'ok' }, { headers: { 'X-Request-Id': 'run7-000123' } });
      assert.equal(kept.headers.get('x-request-id'), 'run7-000123');
      const replaced = await postInfer(t.url, { text: 'ok' }, { headers: { 'X-Request-Id': '=HYPERLINK("x")' } });
      assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  });

  describe('hostile texts', () => {
    const hostile = [
      'Great, really great, "the best" film',
      'first line\nsecond line\r\nthird',
      '=cmd|\' /C calc\'!A0',
      '+1+1',
      '-1',
      '@SUM(A1:A2)',
      'Loved it 😍🎬 — très bien, 素晴らしい',
    ];
    it('round-trip through the response and the log file', async () => {
      for (const text of hostile) {
        const res = await postInfer(t.url, { text }, { headers: { 'X-Request-Id': 'hostile' } });
        assert.equal(res.status, 200);
        const [row] = parseCsv(await res.text());
        assert.equal(unneutraliseCell(row!['Input Text']!), text);
      }
      const logged = (await readCsvFile(t.csvFile)).filter((r) => r['Request ID'] === 'hostile');
      assert.deepEqual(
        logged.map((r) => unneutraliseCell(r['Input Text']!)),
        hostile,
      );
      assert.ok(logged.every((r) => !/^[=+\-@]/.test(r['Input Text']!)));
    });
  });

  describe('a text far longer than the model takes (512 tokens)', () => {
    it('is truncated and answered, not crashed on', async () => {
      const text = 'a wonderful, moving film with great acting. '.repeat(300); // ~2,700 tokens, 13 kB
      const res = await postInfer(t.url, { text }, { headers: { Accept: 'application/json' } });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { prediction: string; text: string };
      assert.equal(body.prediction, 'POSITIVE');
      assert.equal(body.text, text);
    });
  });

  describe('50 concurrent requests', () => {
    it('are all answered and logged exactly once each, sharing model calls', async () => {
      const ids = Array.from({ length: 50 }, (_, i) => `conc-${i}`);
      const answers = await Promise.all(
        ids.map(async (id, i) => {
          const res = await postInfer(
            t.url,
            { text: i % 2 === 0 ? 'A joyous, brilliant film.' : 'Awful, boring and far too long.' },
            { headers: { 'X-Request-Id': id, Accept: 'application/json' } },
          );
          assert.equal(res.status, 200);
          return (await res.json()) as { requestId: string; prediction: string; batchSize: number };
        }),
      );
      assert.deepEqual(answers.map((a) => a.requestId), ids);
      const logged = (await readCsvFile(t.csvFile)).filter((r) => r['Request ID']!.startsWith('conc-'));
      assert.deepEqual(logged.map((r) => r['Request ID']).sort(), [...ids].sort());
      for (const a of answers) {
        const row = logged.find((r) => r['Request ID'] === a.requestId)!;
        assert.equal(row['Prediction'], a.prediction);
        assert.equal(Number(row['Batch Size']), a.batchSize);
      }
      assert.ok(answers.some((a) => a.batchSize > 1), 'concurrent requests should share a model call');
    });
  });

  describe('GET /metrics after that traffic', () => {
    it('counts requests by status, times them, and records batch sizes and model latency', async () => {
      const res = await fetch(`${t.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
      assert.ok(value(/^http_requests_total\{route="\/infer",method="POST",status="200"\} (\d+)$/m) >= 60);
      assert.ok(value(/^http_request_duration_seconds_count\{route="\/infer"\} (\d+)$/m) >= 60);
      assert.match(text, /^http_requests_in_flight \d+$/m);
      const batches = value(/^inference_batch_size_count (\d+)$/m);
      const requests = value(/^inference_batch_size_sum (\d+)$/m);
      assert.ok(batches >= 1 && requests > batches, 'fewer model calls than requests: batching happened');
      assert.equal(value(/^inference_batch_latency_seconds_count (\d+)$/m), batches);
      assert.match(text, /^inference_model_ready 1$/m);
    });
  });

  describe('the log file', () => {
    it('has exactly one header line and parses whole with a standard CSV parser', async () => {
      const rows = await readCsvFile(t.csvFile);
      assert.ok(rows.length > 60);
      assert.ok(rows.every((r) => r['Prediction'] === 'POSITIVE' || r['Prediction'] === 'NEGATIVE'));
      assert.ok(rows.every((r) => r['Replica'] === 'test-replica'));
    });
  });
});
